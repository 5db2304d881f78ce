import { MemoryRateLimitStore } from './memory-rate-limit.repository';
import { takeResult } from './rate-limit.store';

describe('MemoryRateLimitStore (token bucket math)', () => {
  let nowMs: number;
  let store: MemoryRateLimitStore;
  const limits = { capacity: 5, refillPerSec: 2 };
  beforeEach(() => {
    nowMs = 1_000_000;
    store = new MemoryRateLimitStore({ now: () => nowMs });
  });

  it('allows a full burst, then refuses with the time until the next token', async () => {
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await store.take('k', limits));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, true, true]);
    expect(results.map((r) => r.remaining)).toEqual([4, 3, 2, 1, 0]);
    expect(results[0]).toEqual({ allowed: true, remaining: 4, resetSeconds: 1, retryAfterSeconds: 0 });
    expect(results[4]).toEqual({ allowed: true, remaining: 0, resetSeconds: 3, retryAfterSeconds: 0 });

    const refused = await store.take('k', limits);
    expect(refused).toEqual({ allowed: false, remaining: 0, resetSeconds: 3, retryAfterSeconds: 1 });
  });

  it('refills at the configured rate, never beyond capacity', async () => {
    for (let i = 0; i < 5; i++) await store.take('k', limits);
    nowMs += 499;
    expect((await store.take('k', limits)).allowed).toBe(false); // 0.998 tokens
    nowMs += 1; // 1.0 token (the refused take cost nothing)
    expect(await store.take('k', limits)).toMatchObject({ allowed: true, remaining: 0 });
    nowMs += 60_000;
    expect(await store.take('k', limits)).toMatchObject({ allowed: true, remaining: 4 });
  });

  it('keeps keys independent', async () => {
    for (let i = 0; i < 5; i++) await store.take('a', limits);
    expect((await store.take('a', limits)).allowed).toBe(false);
    expect(await store.take('b', limits)).toMatchObject({ allowed: true, remaining: 4 });
  });

  it('charges the cost, and refuses a cost larger than what is left', async () => {
    expect(await store.take('k', { ...limits, cost: 4 })).toMatchObject({ allowed: true, remaining: 1 });
    expect(await store.take('k', { ...limits, cost: 2 })).toEqual({
      allowed: false,
      remaining: 1,
      resetSeconds: 2,
      retryAfterSeconds: 1,
    });
  });

  it('does not refill when the clock goes backwards', async () => {
    for (let i = 0; i < 5; i++) await store.take('k', limits);
    nowMs -= 10_000;
    expect((await store.take('k', limits)).allowed).toBe(false);
  });

  it('forgets full buckets and keeps at most maxEntries', async () => {
    const small = new MemoryRateLimitStore({ now: () => nowMs, maxEntries: 3, sweepIntervalMs: 1000 });
    for (const key of ['a', 'b', 'c', 'd']) await small.take(key, limits);
    expect(small.size).toBe(3);
    nowMs += 2_000; // every bucket is full again after 0.5 s
    await small.take('e', limits);
    expect(small.size).toBe(1);
  });
});

describe('takeResult', () => {
  it('rounds remaining down and waits up, tolerating float noise', () => {
    expect(takeResult(true, 2.9999999999, { capacity: 10, refillPerSec: 1 })).toEqual({
      allowed: true,
      remaining: 3,
      resetSeconds: 7,
      retryAfterSeconds: 0,
    });
    expect(takeResult(false, 0.25, { capacity: 10, refillPerSec: 0.5 })).toEqual({
      allowed: false,
      remaining: 0,
      resetSeconds: 20,
      retryAfterSeconds: 2,
    });
  });
});
