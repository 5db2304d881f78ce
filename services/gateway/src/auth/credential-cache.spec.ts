import { CredentialCache } from './credential-cache';

describe('CredentialCache', () => {
  it('serves a verified credential from memory until the TTL, then verifies again', async () => {
    let now = 1_000;
    const cache = new CredentialCache<string>(5_000, 10, () => now);
    const load = jest.fn(async () => 'actor-1');
    expect(await cache.getOrLoad('bm_key', load)).toBe('actor-1');
    now += 4_999;
    expect(await cache.getOrLoad('bm_key', load)).toBe('actor-1');
    expect(load).toHaveBeenCalledTimes(1);
    now += 2;
    await cache.getOrLoad('bm_key', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('never caches failures and stays within its size', async () => {
    const cache = new CredentialCache<number>(5_000, 2);
    await expect(cache.getOrLoad('bad', async () => Promise.reject(new Error('revoked')))).rejects.toThrow(
      'revoked',
    );
    expect(cache.size).toBe(0);
    for (const k of ['a', 'b', 'c']) await cache.getOrLoad(k, async () => 1);
    expect(cache.size).toBe(2);
  });

  it('shares one load between concurrent misses of the same credential (no stampede at expiry)', async () => {
    const cache = new CredentialCache<string>(5_000);
    let release!: (v: string) => void;
    const load = jest.fn(() => new Promise<string>((resolve) => (release = resolve)));
    const all = Promise.all(Array.from({ length: 50 }, () => cache.getOrLoad('bm_hot', load)));
    release('actor-hot');
    expect(await all).toEqual(Array(50).fill('actor-hot'));
    expect(load).toHaveBeenCalledTimes(1);
    // A failed shared load fails every waiter and is not remembered.
    const failing = jest.fn(async () => Promise.reject(new Error('auth down')));
    const results = await Promise.allSettled([
      cache.getOrLoad('bm_x', failing),
      cache.getOrLoad('bm_x', failing),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(failing).toHaveBeenCalledTimes(1);
    await expect(cache.getOrLoad('bm_x', async () => 'later')).resolves.toBe('later');
  });
});
