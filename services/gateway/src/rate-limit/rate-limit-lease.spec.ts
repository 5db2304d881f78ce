import { TokenLeases, leaseCap, nextLeaseSize, type LeaseGrant, type LeaseSource } from './rate-limit-lease';
import { refill, type BucketLimits } from './rate-limit.store';

/** A shared bucket with LEASE_SCRIPT's semantics on the test clock; every call is asynchronous. */
class SharedBucket {
  tokens: number;
  calls: { want: number; giveBack: number }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  failing = false;
  private lastMs: number;

  constructor(
    private readonly clock: () => number,
    limits: BucketLimits,
  ) {
    this.tokens = limits.capacity;
    this.lastMs = clock();
  }

  readonly source: LeaseSource = async (_key, limits, want, giveBack) => {
    this.calls.push({ want, giveBack });
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    this.inFlight -= 1;
    if (this.failing) throw new Error('connection refused');
    const cost = limits.cost ?? 1;
    this.tokens = refill(this.tokens, this.lastMs, this.clock(), limits);
    this.lastMs = this.clock();
    this.tokens = Math.min(limits.capacity, this.tokens + giveBack);
    let granted = 0;
    if (want > 0 && this.tokens >= cost) granted = Math.max(cost, Math.min(want, Math.floor(this.tokens)));
    this.tokens -= granted;
    return { granted, level: this.tokens } satisfies LeaseGrant;
  };
}

describe('lease sizing', () => {
  it('caps a lease at a tenth of the capacity, between 1 and 50', () => {
    expect([1, 9, 19, 60, 100, 499, 10_000].map((c) => leaseCap(c))).toEqual([1, 1, 1, 6, 10, 49, 50]);
    expect(leaseCap(10_000, 20)).toBe(20);
  });

  it('doubles while leases are used up fast, halves when slow, within [cost, cap]', () => {
    expect(nextLeaseSize(1, 20, 1, 10, 100)).toBe(2);
    expect(nextLeaseSize(8, 100, 1, 10, 100)).toBe(10);
    expect(nextLeaseSize(8, 101, 1, 10, 100)).toBe(4);
    expect(nextLeaseSize(1, 500, 1, 10, 100)).toBe(1);
    expect(nextLeaseSize(1, Number.POSITIVE_INFINITY, 1, 10, 100)).toBe(1); // a first lease
    expect(nextLeaseSize(3, 5_000, 3, 1, 100)).toBe(3); // never below the cost
  });
});

describe('TokenLeases', () => {
  let nowMs: number;
  const clock = () => nowMs;
  const all: TokenLeases[] = [];
  const leasesOn = (bucket: SharedBucket) => {
    const leases = new TokenLeases(bucket.source, { now: clock });
    all.push(leases);
    return leases;
  };
  beforeEach(() => {
    nowMs = 1_000_000;
    jest.useFakeTimers({ doNotFake: ['setImmediate'] }); // the sweep runs when a test calls it
  });
  afterEach(async () => {
    await Promise.all(all.splice(0).map((l) => l.close()));
    jest.useRealTimers();
  });

  it('makes one call per take for a quiet key, with exact headers', async () => {
    const limits = { capacity: 100, refillPerSec: 0.001 };
    const bucket = new SharedBucket(clock, limits);
    const leases = leasesOn(bucket);
    const remaining = [];
    for (let i = 0; i < 5; i++) {
      remaining.push((await leases.take('k', limits)).remaining);
      nowMs += 300;
    }
    expect(remaining).toEqual([99, 98, 97, 96, 95]);
    expect(bucket.calls).toEqual(Array(5).fill({ want: 1, giveBack: 0 }));
    expect(leases.held.tokens).toBe(0);
  });

  it('grows the lease for a busy key, one call in flight at a time', async () => {
    const limits = { capacity: 1_000, refillPerSec: 10 };
    const bucket = new SharedBucket(clock, limits);
    const leases = leasesOn(bucket);
    const results = await Promise.all(Array.from({ length: 300 }, () => leases.take('k', limits)));

    expect(results.every((r) => r.allowed)).toBe(true);
    expect(bucket.maxInFlight).toBe(1);
    expect(bucket.calls.map((c) => c.want)).toEqual([1, 2, 4, 8, 16, 32, 50, 50, 50, 50, 50]);
    // Tokens spent + held locally + left in the bucket = capacity: none made up, none lost.
    expect(300 + leases.held.tokens + bucket.tokens).toBe(1_000);
    // remaining: the bucket at the last lease plus what this replica still holds.
    expect(results[299].remaining).toBe(Math.floor(bucket.tokens + leases.held.tokens));
  });

  it('shrinks the lease again when the key slows down', async () => {
    const limits = { capacity: 1_000, refillPerSec: 10 };
    const bucket = new SharedBucket(clock, limits);
    const leases = leasesOn(bucket);
    await Promise.all(Array.from({ length: 63 }, () => leases.take('k', limits))); // 1+2+...+32
    for (let i = 0; i < 3; i++) {
      nowMs += 150;
      await leases.take('k', limits);
      while (leases.held.tokens > 0) await leases.take('k', limits);
    }
    expect(bucket.calls.map((c) => c.want)).toEqual([1, 2, 4, 8, 16, 32, 16, 8, 4]);
  });

  it('never lets replicas on one bucket allow more than it holds', async () => {
    const limits = { capacity: 200, refillPerSec: 1 };
    const bucket = new SharedBucket(clock, limits);
    const replicas = [leasesOn(bucket), leasesOn(bucket), leasesOn(bucket)];
    const results = await Promise.all(
      Array.from({ length: 600 }, (_, i) => replicas[i % 3].take('k', limits)),
    );
    const allowed = results.filter((r) => r.allowed).length;
    const held = replicas.reduce((sum, r) => sum + r.held.tokens, 0);
    expect(allowed + held + Math.floor(bucket.tokens)).toBe(200);
    expect(allowed).toBe(200); // every replica had more takes than tokens: none left unspent
  });

  it('refuses every take waiting on a lease that granted nothing, from the shared level', async () => {
    const limits = { capacity: 3, refillPerSec: 2 };
    const bucket = new SharedBucket(clock, limits);
    const leases = leasesOn(bucket);
    const results = await Promise.all(Array.from({ length: 6 }, () => leases.take('k', limits)));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false, false, false]);
    expect(results[3]).toEqual({ allowed: false, remaining: 0, resetSeconds: 2, retryAfterSeconds: 1 });
    expect(bucket.calls).toHaveLength(4); // the three refusals shared one call

    nowMs += 500; // one token back
    expect(await leases.take('k', limits)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('gives back what a lease still holds once it is older than the hold time', async () => {
    const limits = { capacity: 100, refillPerSec: 0.001 };
    const bucket = new SharedBucket(clock, limits);
    const leases = leasesOn(bucket);
    await Promise.all(Array.from({ length: 20 }, () => leases.take('k', limits))); // leases 1+2+4+8+10
    expect(leases.held).toEqual({ leases: 1, tokens: 5 });
    expect(bucket.tokens).toBeCloseTo(75);

    nowMs += 999;
    leases.sweep();
    expect(leases.held.tokens).toBe(5);
    nowMs += 1;
    leases.sweep();
    expect(leases.held).toEqual({ leases: 0, tokens: 0 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(bucket.calls.at(-1)).toEqual({ want: 0, giveBack: 5 });
    expect(bucket.tokens).toBeCloseTo(80);

    // A new lease for the key starts small again.
    await leases.take('k', limits);
    expect(bucket.calls.at(-1)).toEqual({ want: 1, giveBack: 0 });
  });

  it('forgets spent leases without a call, and gives everything back on close', async () => {
    const limits = { capacity: 100, refillPerSec: 0.001 };
    const bucket = new SharedBucket(clock, limits);
    const leases = leasesOn(bucket);
    await leases.take('spent', limits);
    await Promise.all(Array.from({ length: 4 }, () => leases.take('held', limits))); // leases 1+2+4
    nowMs += 1_000;
    const calls = bucket.calls.length;
    await leases.close();
    expect(bucket.calls.slice(calls)).toEqual([{ want: 0, giveBack: 3 }]);
    expect(leases.held).toEqual({ leases: 0, tokens: 0 });
  });

  it('rejects every waiting take when the source fails, and calls it again on the next take', async () => {
    const limits = { capacity: 10, refillPerSec: 1 };
    const bucket = new SharedBucket(clock, limits);
    const leases = leasesOn(bucket);
    bucket.failing = true;
    const results = await Promise.allSettled(Array.from({ length: 3 }, () => leases.take('k', limits)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(bucket.calls).toHaveLength(1);

    bucket.failing = false;
    expect(await leases.take('k', limits)).toMatchObject({ allowed: true, remaining: 9 });
  });

  it('reports a failed give-back and keeps going', async () => {
    const limits = { capacity: 100, refillPerSec: 1 };
    const bucket = new SharedBucket(clock, limits);
    const errors: Error[] = [];
    const leases = new TokenLeases(bucket.source, { now: clock, onGiveBackError: (e) => errors.push(e) });
    all.push(leases);
    await Promise.all(Array.from({ length: 2 }, () => leases.take('k', limits))); // leases 1+2
    bucket.failing = true;
    await leases.close();
    expect(errors.map((e) => e.message)).toEqual(['connection refused']);
  });
});
