import type { RouteDeployment } from '../domain/route';
import { UpstreamError, type UpstreamErrorKind } from '../domain/upstream';
import { DeploymentHealth } from './deployment-health';
import {
  AllDeploymentsFailedError,
  NoHealthyDeploymentError,
  runWithFallback,
  type AttemptContext,
  type AttemptRecord,
  type FallbackOptions,
} from './fallback';

const deployment = (index: number, fields: Partial<RouteDeployment> = {}): RouteDeployment => ({
  key: `r:${index}`,
  providerId: `p${index}`,
  providerName: `provider ${index}`,
  model: 'gpt-4o-mini',
  priority: 0,
  weight: 1,
  timeoutMs: 1_000,
  maxRetries: 0,
  inputPricePerMtok: 0,
  outputPricePerMtok: 0,
  contextWindow: 0,
  ...fields,
});

const upstream = (kind: UpstreamErrorKind, retryAfterMs?: number) =>
  new UpstreamError(kind, `upstream ${kind}`, retryAfterMs === undefined ? {} : { retryAfterMs });

/** A controllable world: clock, sleep (advances the clock), timers fired by hand, recorded calls. */
class World {
  now = 10_000;
  readonly slept: number[] = [];
  readonly timers: Array<{ fn: () => void; ms: number; cancelled: boolean }> = [];
  readonly failed: Array<[AttemptRecord, UpstreamErrorKind]> = [];
  readonly calls: Array<{ key: string; retry: number; signal: AbortSignal }> = [];
  readonly health: DeploymentHealth;

  constructor(breaker: ConstructorParameters<typeof DeploymentHealth>[0] = {}) {
    this.health = new DeploymentHealth(breaker, () => this.now);
  }

  options(extra: Partial<FallbackOptions> = {}): FallbackOptions {
    return {
      now: () => this.now,
      random: () => 0.5,
      sleep: async (ms, signal) => {
        if (signal?.aborted) throw signal.reason;
        this.slept.push(ms);
        this.now += ms;
      },
      schedule: (fn, ms) => {
        const timer = { fn, ms, cancelled: false };
        this.timers.push(timer);
        return () => {
          timer.cancelled = true;
        };
      },
      onAttemptFailed: (record, error) => this.failed.push([record, error.kind]),
      ...extra,
    };
  }

  fireTimers(): void {
    for (const timer of this.timers) if (!timer.cancelled) timer.fn();
  }

  /** An attempt function playing `script` per deployment key, in order; 'ok' resolves with the key. */
  attempt(script: Record<string, Array<'ok' | UpstreamError | ((ctx: AttemptContext) => Promise<string>)>>) {
    const cursor = new Map<string, number>();
    return async (ctx: AttemptContext): Promise<string> => {
      const key = ctx.deployment.key;
      this.calls.push({ key, retry: ctx.retry, signal: ctx.signal });
      const index = cursor.get(key) ?? 0;
      cursor.set(key, index + 1);
      const step = script[key]?.[index];
      if (step === undefined) throw new Error(`unexpected attempt ${key}#${index}`);
      this.now += 7; // every attempt takes 7 ms
      if (step === 'ok') return `from ${key}`;
      if (step instanceof UpstreamError) throw step;
      return step(ctx);
    };
  }
}

/** An attempt that hangs until its signal aborts, then rejects like fetch does. */
const hangUntilAborted = (ctx: AttemptContext) =>
  new Promise<string>((_resolve, reject) => {
    ctx.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')), {
      once: true,
    });
  });

describe('runWithFallback', () => {
  it('returns the first success with its deployment, attempts and recorded latency', async () => {
    const world = new World();
    const result = await runWithFallback(
      [deployment(0), deployment(1)],
      world.health,
      world.attempt({ 'r:0': ['ok'] }),
      world.options(),
    );
    expect(result.value).toBe('from r:0');
    expect(result.deployment.key).toBe('r:0');
    expect(result.attempts).toEqual([{ deploymentKey: 'r:0', retry: 0, outcome: 'ok', latencyMs: 7 }]);
    expect(world.health.latencyEwma('r:0')).toBe(7);
    expect(world.calls.map((c) => c.key)).toEqual(['r:0']);
  });

  it('retries retryable errors on the same deployment with jittered exponential backoff', async () => {
    const world = new World();
    const result = await runWithFallback(
      [deployment(0, { maxRetries: 3 }), deployment(1)],
      world.health,
      world.attempt({
        'r:0': [upstream('server_error'), upstream('connection'), upstream('protocol'), 'ok'],
      }),
      world.options({ baseDelayMs: 100, maxDelayMs: 300, random: () => 0.5 }),
    );
    // 0.5 * min(300, 100 * 2^n) for n = 0, 1, 2.
    expect(world.slept).toEqual([50, 100, 150]);
    expect(result.value).toBe('from r:0');
    expect(result.attempts).toEqual([
      { deploymentKey: 'r:0', retry: 0, outcome: 'server_error', latencyMs: 7 },
      { deploymentKey: 'r:0', retry: 1, outcome: 'connection', latencyMs: 7, waitedMs: 50 },
      { deploymentKey: 'r:0', retry: 2, outcome: 'protocol', latencyMs: 7, waitedMs: 100 },
      { deploymentKey: 'r:0', retry: 3, outcome: 'ok', latencyMs: 7, waitedMs: 150 },
    ]);
    expect(world.failed.map(([record, kind]) => [record.retry, kind])).toEqual([
      [0, 'server_error'],
      [1, 'connection'],
      [2, 'protocol'],
    ]);
  });

  it('moves to the next deployment once maxRetries is exhausted', async () => {
    const world = new World();
    const result = await runWithFallback(
      [deployment(0, { maxRetries: 1 }), deployment(1)],
      world.health,
      world.attempt({ 'r:0': [upstream('server_error'), upstream('server_error')], 'r:1': ['ok'] }),
      world.options(),
    );
    expect(result.deployment.key).toBe('r:1');
    expect(world.calls.map((c) => `${c.key}#${c.retry}`)).toEqual(['r:0#0', 'r:0#1', 'r:1#0']);
    expect(world.slept).toEqual([50]);
  });

  it('honours Retry-After instead of the backoff', async () => {
    const world = new World();
    const result = await runWithFallback(
      [deployment(0, { maxRetries: 1 })],
      world.health,
      world.attempt({ 'r:0': [upstream('rate_limited', 2_000), 'ok'] }),
      world.options(),
    );
    expect(world.slept).toEqual([2_000]);
    expect(result.attempts[1]).toMatchObject({ retry: 1, outcome: 'ok', waitedMs: 2_000 });
  });

  it('does not wait for a Retry-After above maxRetryAfterMs: tries the next deployment', async () => {
    const world = new World();
    const result = await runWithFallback(
      [deployment(0, { maxRetries: 3 }), deployment(1)],
      world.health,
      world.attempt({ 'r:0': [upstream('rate_limited', 30_000)], 'r:1': ['ok'] }),
      world.options({ maxRetryAfterMs: 10_000 }),
    );
    expect(world.slept).toEqual([]);
    expect(result.deployment.key).toBe('r:1');
    expect(result.attempts.map((a) => a.outcome)).toEqual(['rate_limited', 'ok']);
  });

  it('rethrows bad_request at once without retrying or judging the deployment', async () => {
    const world = new World({ consecutiveFailures: 1 });
    const error = upstream('bad_request');
    await expect(
      runWithFallback(
        [deployment(0, { maxRetries: 3 }), deployment(1)],
        world.health,
        world.attempt({ 'r:0': [error] }),
        world.options(),
      ),
    ).rejects.toBe(error);
    expect(world.calls).toHaveLength(1);
    expect(world.health.state('r:0')).toBe('closed');
    expect(world.failed).toEqual([
      [{ deploymentKey: 'r:0', retry: 0, outcome: 'bad_request', latencyMs: 7 }, 'bad_request'],
    ]);
  });

  it('a bad_request on a half-open probe frees the probe slot without judging', async () => {
    const world = new World({ consecutiveFailures: 1, openMs: 1_000 });
    world.health.recordFailure('r:0');
    world.now += 1_000;
    await expect(
      runWithFallback(
        [deployment(0)],
        world.health,
        world.attempt({ 'r:0': [upstream('bad_request')] }),
        world.options(),
      ),
    ).rejects.toMatchObject({ kind: 'bad_request' });
    expect(world.health.state('r:0')).toBe('half-open');
    expect(world.health.tryAcquire('r:0')).toBe(true);
  });

  it.each(['auth', 'not_found'] as const)(
    '%s fails the deployment and moves on without retry',
    async (kind) => {
      const world = new World({ consecutiveFailures: 1 });
      const result = await runWithFallback(
        [deployment(0, { maxRetries: 3 }), deployment(1)],
        world.health,
        world.attempt({ 'r:0': [upstream(kind)], 'r:1': ['ok'] }),
        world.options(),
      );
      expect(result.deployment.key).toBe('r:1');
      expect(world.calls.map((c) => c.key)).toEqual(['r:0', 'r:1']);
      expect(world.slept).toEqual([]);
      expect(world.health.state('r:0')).toBe('open');
    },
  );

  it('turns an attempt that outlived its timeout into a timeout error, and retries it', async () => {
    const world = new World();
    const promise = runWithFallback(
      [deployment(0, { timeoutMs: 1_500, maxRetries: 1 })],
      world.health,
      world.attempt({
        'r:0': [
          (ctx) => {
            queueMicrotask(() => world.fireTimers());
            return hangUntilAborted(ctx);
          },
          'ok',
        ],
      }),
      world.options(),
    );
    const result = await promise;
    expect(world.timers.map((t) => t.ms)).toEqual([1_500, 1_500]);
    expect(world.calls[0].signal.aborted).toBe(true);
    expect(world.calls[0].signal.reason).toMatchObject({ kind: 'timeout' });
    expect(result.attempts.map((a) => a.outcome)).toEqual(['timeout', 'ok']);
    expect(world.failed[0][1]).toBe('timeout');
  });

  it('discards a value that resolved after the timeout fired (its signal is already aborted)', async () => {
    const world = new World();
    const error = await runWithFallback(
      [deployment(0)],
      world.health,
      world.attempt({
        'r:0': [
          async () => {
            world.fireTimers();
            return 'too late';
          },
        ],
      }),
      world.options(),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AllDeploymentsFailedError);
    expect((error as AllDeploymentsFailedError).lastError.kind).toBe('timeout');
    expect(world.health.latencyEwma('r:0')).toBeUndefined();
  });

  it('uses defaultTimeoutMs when the deployment has none', async () => {
    const world = new World();
    await runWithFallback(
      [deployment(0, { timeoutMs: 0 })],
      world.health,
      world.attempt({ 'r:0': ['ok'] }),
      world.options({ defaultTimeoutMs: 42_000 }),
    );
    expect(world.timers.map((t) => t.ms)).toEqual([42_000]);
  });

  it('after resolution the attempt signal forwards the outer abort but never times out', async () => {
    const world = new World();
    const outer = new AbortController();
    await runWithFallback(
      [deployment(0)],
      world.health,
      world.attempt({ 'r:0': ['ok'] }),
      world.options({ signal: outer.signal }),
    );
    const signal = world.calls[0].signal;
    world.fireTimers(); // the timer was cancelled when the attempt resolved
    expect(signal.aborted).toBe(false);
    outer.abort(new Error('client went away'));
    expect(signal.aborted).toBe(true);
  });

  it('an outer abort stops everything, releases the probe and throws cancelled', async () => {
    const world = new World({ consecutiveFailures: 1, openMs: 1_000 });
    world.health.recordFailure('r:0');
    world.now += 1_000; // r:0 is due for a probe
    const outer = new AbortController();
    const promise = runWithFallback(
      [deployment(0, { maxRetries: 3 }), deployment(1)],
      world.health,
      world.attempt({
        'r:0': [
          (ctx) => {
            queueMicrotask(() => outer.abort(new Error('client went away')));
            return hangUntilAborted(ctx);
          },
        ],
      }),
      world.options({ signal: outer.signal }),
    );
    await expect(promise).rejects.toMatchObject({ name: 'UpstreamError', kind: 'cancelled' });
    expect(world.calls.map((c) => c.key)).toEqual(['r:0']);
    expect(world.failed.map(([, kind]) => kind)).toEqual(['cancelled']);
    expect(world.health.state('r:0')).toBe('half-open');
    expect(world.health.tryAcquire('r:0')).toBe(true); // the probe slot was freed
  });

  it('an outer abort during the backoff stops before the next attempt', async () => {
    const world = new World();
    const outer = new AbortController();
    const options = world.options({ signal: outer.signal });
    const promise = runWithFallback(
      [deployment(0, { maxRetries: 3 }), deployment(1)],
      world.health,
      world.attempt({ 'r:0': [upstream('server_error')] }),
      {
        ...options,
        sleep: async (_ms, signal) => {
          outer.abort();
          if (signal?.aborted) throw signal.reason;
        },
      },
    );
    await expect(promise).rejects.toMatchObject({ kind: 'cancelled' });
    expect(world.calls).toHaveLength(1);
  });

  it('an already aborted signal tries nothing', async () => {
    const world = new World();
    const outer = new AbortController();
    outer.abort();
    await expect(
      runWithFallback(
        [deployment(0)],
        world.health,
        world.attempt({}),
        world.options({ signal: outer.signal }),
      ),
    ).rejects.toMatchObject({ kind: 'cancelled' });
    expect(world.calls).toHaveLength(0);
  });

  it('rethrows non-upstream errors (bugs) as is and frees the probe', async () => {
    const world = new World({ consecutiveFailures: 1, openMs: 1_000 });
    world.health.recordFailure('r:0');
    world.now += 1_000;
    const bug = new TypeError('x is undefined');
    await expect(
      runWithFallback(
        [deployment(0), deployment(1)],
        world.health,
        world.attempt({ 'r:0': [() => Promise.reject(bug)] }),
        world.options(),
      ),
    ).rejects.toBe(bug);
    expect(world.calls).toHaveLength(1);
    expect(world.health.tryAcquire('r:0')).toBe(true);
  });

  it('stops retrying a deployment whose breaker opened and moves on', async () => {
    const world = new World({ consecutiveFailures: 2 });
    const result = await runWithFallback(
      [deployment(0, { maxRetries: 5 }), deployment(1)],
      world.health,
      world.attempt({ 'r:0': [upstream('server_error'), upstream('server_error')], 'r:1': ['ok'] }),
      world.options(),
    );
    expect(world.calls.map((c) => `${c.key}#${c.retry}`)).toEqual(['r:0#0', 'r:0#1', 'r:1#0']);
    expect(world.slept).toEqual([50]); // no backoff once the breaker is open
    expect(result.deployment.key).toBe('r:1');
  });

  it('throws AllDeploymentsFailedError with every attempt and the last error', async () => {
    const world = new World();
    const last = upstream('server_error');
    const error = await runWithFallback(
      [deployment(0), deployment(1)],
      world.health,
      world.attempt({ 'r:0': [upstream('rate_limited', 3_000)], 'r:1': [last] }),
      world.options(),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AllDeploymentsFailedError);
    const failed = error as AllDeploymentsFailedError;
    expect(failed.lastError).toBe(last);
    expect(failed.retryAfterMs).toBeUndefined(); // the last failures were not all rate limits
    expect(failed.attempts.map((a) => `${a.deploymentKey}:${a.outcome}`)).toEqual([
      'r:0:rate_limited',
      'r:1:server_error',
    ]);
  });

  it('reports the shortest Retry-After when every deployment was rate limited', async () => {
    const world = new World();
    const error = await runWithFallback(
      [deployment(0), deployment(1), deployment(2)],
      world.health,
      world.attempt({
        'r:0': [upstream('rate_limited', 30_000)],
        'r:1': [upstream('rate_limited', 4_000)],
        'r:2': [upstream('rate_limited')],
      }),
      world.options(),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AllDeploymentsFailedError);
    expect((error as AllDeploymentsFailedError).retryAfterMs).toBe(4_000);
    expect((error as AllDeploymentsFailedError).lastError.kind).toBe('rate_limited');
  });

  it('skips deployments whose breaker is open', async () => {
    const world = new World({ consecutiveFailures: 1 });
    world.health.recordFailure('r:0');
    const result = await runWithFallback(
      [deployment(0), deployment(1)],
      world.health,
      world.attempt({ 'r:1': ['ok'] }),
      world.options(),
    );
    expect(result.deployment.key).toBe('r:1');
    expect(world.calls.map((c) => c.key)).toEqual(['r:1']);
  });

  it('throws NoHealthyDeploymentError with the soonest reopening when every breaker is open', async () => {
    const world = new World({ consecutiveFailures: 1, openMs: 5_000 });
    world.health.recordFailure('r:0');
    world.now += 2_000;
    world.health.recordFailure('r:1');
    const error = await runWithFallback(
      [deployment(0), deployment(1)],
      world.health,
      world.attempt({}),
      world.options(),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoHealthyDeploymentError);
    expect((error as NoHealthyDeploymentError).retryAfterMs).toBe(3_000);
    expect(world.calls).toHaveLength(0);
  });

  describe('with the default real timers', () => {
    it('times an attempt out', async () => {
      const health = new DeploymentHealth();
      const error = await runWithFallback([deployment(0, { timeoutMs: 20 })], health, hangUntilAborted).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AllDeploymentsFailedError);
      expect((error as AllDeploymentsFailedError).attempts.map((a) => a.outcome)).toEqual(['timeout']);
    });

    it('sleeps the backoff and wakes up early on an outer abort', async () => {
      const health = new DeploymentHealth();
      const outer = new AbortController();
      let calls = 0;
      const started = Date.now();
      const promise = runWithFallback(
        [deployment(0, { maxRetries: 1 })],
        health,
        async () => {
          calls += 1;
          if (calls === 1) setTimeout(() => outer.abort(), 20);
          throw upstream('server_error');
        },
        { signal: outer.signal, baseDelayMs: 60_000, random: () => 0.99 },
      );
      await expect(promise).rejects.toMatchObject({ kind: 'cancelled' });
      expect(calls).toBe(1);
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('sleeps the backoff before retrying', async () => {
      const health = new DeploymentHealth();
      const result = await runWithFallback(
        [deployment(0, { maxRetries: 1 })],
        health,
        async ({ retry }) => {
          if (retry === 0) throw upstream('connection');
          return 'ok';
        },
        { baseDelayMs: 10, random: () => 0.5 },
      );
      expect(result.attempts.map((a) => [a.outcome, a.waitedMs])).toEqual([
        ['connection', undefined],
        ['ok', 5],
      ]);
    });
  });
});
