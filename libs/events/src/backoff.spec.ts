import { backoffDelay, sleep } from './backoff';
import { partitionFor } from './bus/partitioner';

describe('backoffDelay', () => {
  it('doubles with jitter and is capped', () => {
    for (let i = 0; i < 50; i++) {
      expect(backoffDelay(1, 100, 1000)).toBeGreaterThanOrEqual(50);
      expect(backoffDelay(1, 100, 1000)).toBeLessThanOrEqual(100);
      expect(backoffDelay(3, 100, 1000)).toBeGreaterThanOrEqual(200);
      expect(backoffDelay(30, 100, 1000)).toBeLessThanOrEqual(1000);
    }
  });

  it('sleep ends early on abort', async () => {
    const abort = new AbortController();
    const started = Date.now();
    setTimeout(() => abort.abort(), 5);
    await sleep(5_000, abort.signal);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('partitionFor', () => {
  it('is stable and in range', () => {
    expect(partitionFor('tenant-1', 6)).toBe(partitionFor('tenant-1', 6));
    const used = new Set(Array.from({ length: 200 }, (_, i) => partitionFor(`t${i}`, 6)));
    expect([...used].every((p) => p >= 0 && p < 6)).toBe(true);
    expect(used.size).toBe(6);
  });
});
