import { DeploymentHealth, type BreakerState } from './deployment-health';

describe('DeploymentHealth', () => {
  let now: number;
  let transitions: Array<[string, BreakerState, BreakerState]>;
  const make = (options: ConstructorParameters<typeof DeploymentHealth>[0] = {}) => {
    const health = new DeploymentHealth(options, () => now);
    health.onTransition((key, from, to) => transitions.push([key, from, to]));
    return health;
  };
  const fail = (health: DeploymentHealth, times: number, key = 'r:0') => {
    for (let i = 0; i < times; i++) health.recordFailure(key);
  };

  beforeEach(() => {
    now = 1_000_000;
    transitions = [];
  });

  it('is closed and lets everything through for an unknown deployment', () => {
    const health = make();
    expect(health.state('r:0')).toBe('closed');
    expect(health.tryAcquire('r:0')).toBe(true);
    expect(health.tryAcquire('r:0')).toBe(true);
    expect(health.openUntil('r:0')).toBeUndefined();
    expect(health.latencyEwma('r:0')).toBeUndefined();
  });

  it('opens on N consecutive failures and refuses until openMs elapsed', () => {
    const health = make({ consecutiveFailures: 3, openMs: 10_000 });
    fail(health, 2);
    expect(health.state('r:0')).toBe('closed');
    health.recordSuccess('r:0', 50); // breaks the streak
    fail(health, 2);
    expect(health.state('r:0')).toBe('closed');
    fail(health, 1);
    expect(health.state('r:0')).toBe('open');
    expect(health.openUntil('r:0')).toBe(now + 10_000);
    expect(transitions).toEqual([['r:0', 'closed', 'open']]);

    now += 9_999;
    expect(health.tryAcquire('r:0')).toBe(false);
    expect(health.state('r:0')).toBe('open');
    expect(health.tryAcquire('r:1')).toBe(true); // other deployments are independent
  });

  it('opens on the error rate over the window once minRequests is reached', () => {
    const health = make({ consecutiveFailures: 100, minRequests: 10, errorRateThreshold: 0.5 });
    // 4 failures + 5 successes: 9 requests, below minRequests.
    for (let i = 0; i < 4; i++) {
      health.recordSuccess('r:0', 10);
      health.recordFailure('r:0');
    }
    health.recordSuccess('r:0', 10);
    expect(health.state('r:0')).toBe('closed');
    health.recordFailure('r:0'); // 5 / 10 = 50%
    expect(health.state('r:0')).toBe('open');
  });

  it('forgets outcomes that slid out of the window', () => {
    const health = make({ consecutiveFailures: 100, minRequests: 10, windowMs: 60_000 });
    for (let i = 0; i < 9; i++) health.recordFailure('r:0');
    health.recordSuccess('r:0', 10);
    now += 61_000;
    // Old failures are out: 9 successes + 1 failure = 10% < 50%.
    for (let i = 0; i < 9; i++) health.recordSuccess('r:0', 10);
    health.recordFailure('r:0');
    expect(health.state('r:0')).toBe('closed');
    // 7 more failures: 8 / 17 < 50%; the 8th makes 9 / 18 = 50%.
    for (let i = 0; i < 7; i++) health.recordFailure('r:0');
    expect(health.state('r:0')).toBe('closed');
    health.recordFailure('r:0');
    expect(health.state('r:0')).toBe('open');
  });

  it('half-open lets exactly one probe through at a time', () => {
    const health = make({ consecutiveFailures: 1, openMs: 1_000 });
    fail(health, 1);
    now += 1_000;
    expect(health.tryAcquire('r:0')).toBe(true);
    expect(health.state('r:0')).toBe('half-open');
    expect(health.tryAcquire('r:0')).toBe(false); // a concurrent request is refused
    expect(health.tryAcquire('r:0')).toBe(false);

    health.release('r:0'); // the probe ended without a verdict (client cancelled)
    expect(health.state('r:0')).toBe('half-open');
    expect(health.tryAcquire('r:0')).toBe(true);
    expect(health.tryAcquire('r:0')).toBe(false);
  });

  it('a successful probe closes the breaker and resets its counters', () => {
    const health = make({ consecutiveFailures: 2, openMs: 1_000 });
    fail(health, 2);
    now += 1_000;
    expect(health.tryAcquire('r:0')).toBe(true);
    health.recordSuccess('r:0', 120);
    expect(health.state('r:0')).toBe('closed');
    expect(health.openUntil('r:0')).toBeUndefined();
    expect(transitions).toEqual([
      ['r:0', 'closed', 'open'],
      ['r:0', 'open', 'half-open'],
      ['r:0', 'half-open', 'closed'],
    ]);
    // The streak starts from zero again, and the open period is back to openMs.
    fail(health, 1);
    expect(health.state('r:0')).toBe('closed');
    fail(health, 1);
    expect(health.openUntil('r:0')).toBe(now + 1_000);
  });

  it('a failed probe re-opens with a doubled open period, capped by maxOpenMs', () => {
    const health = make({ consecutiveFailures: 1, openMs: 1_000, maxOpenMs: 5_000 });
    fail(health, 1);
    const periods: number[] = [];
    for (let i = 0; i < 4; i++) {
      now = health.openUntil('r:0') ?? NaN;
      expect(health.tryAcquire('r:0')).toBe(true);
      health.recordFailure('r:0');
      expect(health.state('r:0')).toBe('open');
      periods.push((health.openUntil('r:0') ?? NaN) - now);
    }
    expect(periods).toEqual([2_000, 4_000, 5_000, 5_000]);
    expect(transitions.slice(1, 3)).toEqual([
      ['r:0', 'open', 'half-open'],
      ['r:0', 'half-open', 'open'],
    ]);
  });

  it("stays open until the provider's Retry-After when later than openMs, capped by maxOpenMs", () => {
    const health = make({ consecutiveFailures: 2, openMs: 1_000, maxOpenMs: 60_000 });
    health.recordFailure('r:0', { retryAfterMs: 20_000 });
    health.recordFailure('r:0'); // trips; the earlier Retry-After still applies
    expect(health.openUntil('r:0')).toBe(now + 20_000);
    now += 19_999;
    expect(health.tryAcquire('r:0')).toBe(false);
    now += 1;
    expect(health.tryAcquire('r:0')).toBe(true);

    const capped = make({ consecutiveFailures: 1, openMs: 1_000, maxOpenMs: 60_000 });
    capped.recordFailure('r:1', { retryAfterMs: 600_000 });
    expect(capped.openUntil('r:1')).toBe(now + 60_000);
  });

  it('a Retry-After arriving while open extends the open period', () => {
    const health = make({ consecutiveFailures: 1, openMs: 1_000 });
    fail(health, 1);
    health.recordFailure('r:0', { retryAfterMs: 5_000 }); // an attempt that was already in flight
    expect(health.openUntil('r:0')).toBe(now + 5_000);
    health.recordFailure('r:0', { retryAfterMs: 2_000 }); // never shortens it
    expect(health.openUntil('r:0')).toBe(now + 5_000);
  });

  it('keeps an EWMA of successful latencies', () => {
    const health = make({ latencyAlpha: 0.5 });
    health.recordSuccess('r:0', 100);
    expect(health.latencyEwma('r:0')).toBe(100);
    health.recordSuccess('r:0', 200);
    expect(health.latencyEwma('r:0')).toBe(150);
    health.recordFailure('r:0');
    expect(health.latencyEwma('r:0')).toBe(150); // failures do not feed it
    health.recordSuccess('r:0', 50);
    expect(health.latencyEwma('r:0')).toBe(100);
  });

  it('isolates throwing listeners and supports unsubscribing', () => {
    const health = new DeploymentHealth({ consecutiveFailures: 1 }, () => now);
    const seen: BreakerState[] = [];
    health.onTransition(() => {
      throw new Error('metrics down');
    });
    const off = health.onTransition((_key, _from, to) => seen.push(to));
    health.recordFailure('r:0');
    expect(health.state('r:0')).toBe('open');
    expect(seen).toEqual(['open']);
    off();
    health.forget('r:0');
    health.recordFailure('r:0');
    expect(seen).toEqual(['open']);
  });

  it('rejects invalid options', () => {
    expect(() => new DeploymentHealth({ errorRateThreshold: 1.5 })).toThrow(RangeError);
    expect(() => new DeploymentHealth({ openMs: 0 })).toThrow(RangeError);
    expect(() => new DeploymentHealth({ openMs: 10_000, maxOpenMs: 5_000 })).toThrow(RangeError);
  });
});
