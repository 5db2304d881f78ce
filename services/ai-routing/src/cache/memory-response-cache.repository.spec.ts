import { createMetricsRegistry } from '@brainmesh/telemetry';
import { MemoryResponseCacheStore } from './memory-response-cache.repository';

describe('MemoryResponseCacheStore', () => {
  let now: number;
  const clock = () => now;

  beforeEach(() => {
    now = 1_000_000;
  });

  it('returns what was set until the TTL is over', async () => {
    const store = new MemoryResponseCacheStore({ now: clock });
    await store.set('t:a', '{"x":1}', 10);
    expect(await store.get('t:a')).toBe('{"x":1}');
    now += 9_999;
    expect(await store.get('t:a')).toBe('{"x":1}');
    now += 1;
    expect(await store.get('t:a')).toBeUndefined();
    expect(store.size).toEqual({ entries: 0, bytes: 0 });
  });

  it('does not store with a TTL <= 0', async () => {
    const store = new MemoryResponseCacheStore({ now: clock });
    await store.set('t:a', 'v', 0);
    expect(await store.get('t:a')).toBeUndefined();
  });

  it('treats entries older than the read max-age as misses without dropping them', async () => {
    const store = new MemoryResponseCacheStore({ now: clock });
    await store.set('t:a', 'v', 600);
    now += 61_000;
    expect(await store.get('t:a', 60)).toBeUndefined();
    expect(await store.get('t:a', 120)).toBe('v');
    expect(await store.get('t:a')).toBe('v');
  });

  it('evicts the least recently used beyond maxEntries, counting evictions', async () => {
    const registry = createMetricsRegistry('ai-routing', { defaultMetrics: false });
    const store = new MemoryResponseCacheStore({ now: clock, maxEntries: 2, registry });
    await store.set('t:a', 'A', 60);
    await store.set('t:b', 'B', 60);
    expect(await store.get('t:a')).toBe('A'); // a is now the most recent
    await store.set('t:c', 'C', 60);
    expect(await store.get('t:b')).toBeUndefined();
    expect(await store.get('t:a')).toBe('A');
    expect(await store.get('t:c')).toBe('C');
    expect(await registry.getSingleMetricAsString('ai_response_cache_evictions_total')).toContain(
      'ai_response_cache_evictions_total{service="ai-routing"} 1',
    );
  });

  it('stays within maxBytes (UTF-8 bytes of key + value), dropping expired entries first', async () => {
    const store = new MemoryResponseCacheStore({ now: clock, maxBytes: 30, maxEntryBytes: 30 });
    await store.set('t:old', 'x'.repeat(5), 1); // 10 bytes, expires first
    await store.set('t:a', 'é'.repeat(5), 60); // 3 + 10 = 13 bytes
    now += 1_000;
    await store.set('t:b', 'y'.repeat(10), 60); // 13 bytes: 36 > 30, the expired one goes
    expect(store.size).toEqual({ entries: 2, bytes: 26 });
    expect(await store.get('t:a')).toBe('é'.repeat(5));
    await store.set('t:c', 'z', 60); // 4 bytes: 30, fits
    await store.set('t:d', 'w', 60); // 34 > 30: the LRU (t:b) goes
    expect(await store.get('t:b')).toBeUndefined();
    expect(store.size.bytes).toBeLessThanOrEqual(30);
  });

  it('skips a value larger than maxEntryBytes and replaces an existing key in place', async () => {
    const store = new MemoryResponseCacheStore({ now: clock, maxBytes: 1_000, maxEntryBytes: 20 });
    await store.set('t:a', 'x'.repeat(50), 60);
    expect(await store.get('t:a')).toBeUndefined();
    await store.set('t:a', 'one', 60);
    await store.set('t:a', 'two', 60);
    expect(await store.get('t:a')).toBe('two');
    expect(store.size).toEqual({ entries: 1, bytes: 6 });
  });

  it('lists and flushes one tenant without touching the others', async () => {
    const store = new MemoryResponseCacheStore({ now: clock });
    await store.set('t1:a', 'A', 60);
    await store.set('t1:b', 'B', 60);
    await store.set('t10:c', 'C', 60);
    expect((await store.listTenant('t1')).sort()).toEqual(['t1:a', 't1:b']);
    expect(await store.flushTenant('t1')).toBe(2);
    expect(await store.get('t1:a')).toBeUndefined();
    expect(await store.get('t10:c')).toBe('C');
  });
});
