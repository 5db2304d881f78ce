/**
 * The fallback loop: tries a request on deployments in order (see `orderDeployments`), retrying
 * transient failures on the same deployment with backoff, moving on when a deployment is broken,
 * and stopping at once when the request itself is wrong or the caller went away. It keeps the
 * deployments' breakers and latency EWMAs ({@link DeploymentHealth}) up to date as it goes.
 *
 * Time, sleeping, timers and jitter are injected so the loop is deterministic in tests.
 */
import type { RouteDeployment } from '../domain/route';
import { UpstreamError, type UpstreamErrorKind } from '../domain/upstream';
import type { DeploymentHealth } from './deployment-health';

/** What an attempt gets: where to go, which retry on that deployment this is, and when to stop. */
export interface AttemptContext {
  deployment: RouteDeployment;
  /** 0 for the first try on this deployment, then 1, 2, ... */
  retry: number;
  /**
   * Aborts on the caller's signal or on this attempt's timeout. The timeout only runs until the
   * attempt's promise settles; after that (e.g. a stream being consumed) it only forwards the
   * caller's abort.
   */
  signal: AbortSignal;
}

/** One attempt, for logs, metrics and the response's debug headers. */
export interface AttemptRecord {
  deploymentKey: string;
  retry: number;
  outcome: 'ok' | UpstreamErrorKind;
  /** From the attempt's start until its promise settled. */
  latencyMs: number;
  /** Backoff / Retry-After slept before this attempt, when it was a retry that waited. */
  waitedMs?: number;
}

/** Tuning and injected dependencies of {@link runWithFallback}. */
export interface FallbackOptions {
  /** The caller's signal (client disconnect): aborts everything and throws `cancelled`. */
  signal?: AbortSignal;
  /** Attempt timeout when the deployment has none (`timeoutMs <= 0`); default 60 s; 0 = none. */
  defaultTimeoutMs?: number;
  /** Backoff base: retry `n` waits uniformly in [0, min(maxDelayMs, baseDelayMs * 2^n)). Default 100. */
  baseDelayMs?: number;
  /** Backoff cap; default 5000. */
  maxDelayMs?: number;
  /** A longer Retry-After is not waited for: the next deployment is tried instead. Default 10 s. */
  maxRetryAfterMs?: number;
  /** Uniform in [0, 1), for the backoff jitter; default Math.random. */
  random?: () => number;
  /** Sleeps `ms`, rejecting when `signal` aborts; default real timers. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Calls `fn` after `ms` unless the returned cancel function was called first; default setTimeout. */
  schedule?: (fn: () => void, ms: number) => () => void;
  /** Epoch ms, for latencies; default Date.now. */
  now?: () => number;
  /** Every failed attempt with its error, including the one that ends the loop. */
  onAttemptFailed?: (record: AttemptRecord, error: UpstreamError) => void;
}

/** A successful run: the attempt's value, the deployment that produced it and every attempt made. */
export interface FallbackResult<T> {
  value: T;
  deployment: RouteDeployment;
  attempts: AttemptRecord[];
}

/** Every deployment that could be tried failed (or was skipped because its breaker is open). */
export class AllDeploymentsFailedError extends Error {
  override readonly name = 'AllDeploymentsFailedError';

  constructor(
    readonly attempts: AttemptRecord[],
    readonly lastError: UpstreamError,
    /**
     * Set when every tried deployment's last failure was a rate limit: the shortest Retry-After
     * they gave (`undefined` if none gave one), for the client's own Retry-After.
     */
    readonly retryAfterMs?: number,
  ) {
    super(`all deployments failed (last: ${lastError.kind}: ${lastError.message})`, { cause: lastError });
  }
}

/** No deployment could even be tried: every breaker is open (or probing). */
export class NoHealthyDeploymentError extends Error {
  override readonly name = 'NoHealthyDeploymentError';

  constructor(
    /**
     * Until the soonest breaker is due for a probe; `undefined` when none has a known deadline
     * (all half-open with a probe in flight, or the route has no deployments).
     */
    readonly retryAfterMs: number | undefined,
  ) {
    super('no healthy deployment');
  }
}

/** The part of {@link DeploymentHealth} the fallback loop uses (a fake is enough in tests). */
export type FallbackHealth = Pick<
  DeploymentHealth,
  'tryAcquire' | 'recordSuccess' | 'recordFailure' | 'release' | 'state' | 'openUntil'
>;

const DEFAULTS = {
  defaultTimeoutMs: 60_000,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 10_000,
};

/**
 * Runs `attempt` on `deployments` in the given order until one succeeds:
 * - a deployment whose breaker refuses (`health.tryAcquire`) is skipped;
 * - retryable failures (rate_limited, server_error, timeout, connection, protocol) are retried on
 *   the same deployment up to `deployment.maxRetries` times, after exponential backoff with full
 *   jitter or after the provider's Retry-After; a Retry-After above `maxRetryAfterMs`, or a breaker
 *   that opened meanwhile, moves on to the next deployment instead;
 * - auth and not_found fail the deployment and move on without retry;
 * - bad_request is rethrown at once without judging the deployment (the request is wrong);
 * - cancelled, or the caller's abort, rethrows `UpstreamError('cancelled')` at once;
 * - any other error (a bug) is rethrown as is;
 * - an attempt that outlived its timeout fails as `UpstreamError('timeout')`.
 * Successes (with latency) and failures are recorded in `health`; attempts that end without a
 * verdict release their breaker slot.
 *
 * @throws UpstreamError `bad_request` or `cancelled`
 * @throws AllDeploymentsFailedError when every tried deployment failed
 * @throws NoHealthyDeploymentError when no deployment could be tried
 */
export async function runWithFallback<T>(
  deployments: readonly RouteDeployment[],
  health: FallbackHealth,
  attempt: (context: AttemptContext) => Promise<T>,
  options: FallbackOptions = {},
): Promise<FallbackResult<T>> {
  const outer = options.signal;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? abortableSleep;
  const schedule = options.schedule ?? scheduleTimeout;
  const baseDelayMs = options.baseDelayMs ?? DEFAULTS.baseDelayMs;
  const maxDelayMs = options.maxDelayMs ?? DEFAULTS.maxDelayMs;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs;
  const defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULTS.defaultTimeoutMs;

  const attempts: AttemptRecord[] = [];
  /** Last error of each deployment that was tried. */
  const lastErrors = new Map<string, UpstreamError>();
  let lastError: UpstreamError | undefined;

  const fail = (record: AttemptRecord, error: UpstreamError): void => {
    attempts.push(record);
    options.onAttemptFailed?.(record, error);
  };

  for (const deployment of deployments) {
    if (outer?.aborted) throw cancelled(outer.reason);
    if (!health.tryAcquire(deployment.key)) continue;

    const timeoutMs = deployment.timeoutMs > 0 ? deployment.timeoutMs : defaultTimeoutMs;
    let waitedMs: number | undefined;
    for (let retry = 0; ; retry++) {
      const started = now();
      const run = await runAttempt(attempt, { deployment, retry }, outer, timeoutMs, schedule);
      const latencyMs = Math.max(0, now() - started);
      if (run.outcome === 'bug') {
        health.release(deployment.key);
        throw run.error;
      }
      const record: AttemptRecord = {
        deploymentKey: deployment.key,
        retry,
        outcome: run.outcome === 'ok' ? 'ok' : run.error.kind,
        latencyMs,
        ...(waitedMs === undefined ? {} : { waitedMs }),
      };
      if (run.outcome === 'ok') {
        health.recordSuccess(deployment.key, latencyMs);
        attempts.push(record);
        return { value: run.value, deployment, attempts };
      }

      const error = run.error;
      if (error.kind === 'cancelled' || error.kind === 'bad_request') {
        health.release(deployment.key);
        fail(record, error);
        throw error;
      }

      health.recordFailure(deployment.key, { retryAfterMs: error.retryAfterMs });
      fail(record, error);
      lastError = error;
      lastErrors.set(deployment.key, error);

      if (!error.retryable || retry >= deployment.maxRetries) break;
      if (health.state(deployment.key) === 'open') break;
      let waitMs: number;
      if (error.retryAfterMs !== undefined) {
        if (error.retryAfterMs > maxRetryAfterMs) break;
        waitMs = Math.max(0, error.retryAfterMs);
      } else {
        waitMs = random() * Math.min(maxDelayMs, baseDelayMs * 2 ** retry);
      }
      try {
        await sleep(waitMs, outer);
      } catch (sleepError) {
        if (outer?.aborted) throw cancelled(outer.reason);
        throw sleepError;
      }
      if (outer?.aborted) throw cancelled(outer.reason);
      waitedMs = waitMs;
      if (!health.tryAcquire(deployment.key)) break;
    }
  }

  if (!lastError) throw new NoHealthyDeploymentError(soonestDue(deployments, health, now()));
  const finals = [...lastErrors.values()];
  const allRateLimited = finals.every((e) => e.kind === 'rate_limited');
  const retryAfters = finals.map((e) => e.retryAfterMs).filter((ms): ms is number => ms !== undefined);
  throw new AllDeploymentsFailedError(
    attempts,
    lastError,
    allRateLimited && retryAfters.length > 0 ? Math.min(...retryAfters) : undefined,
  );
}

type AttemptRun<T> =
  | { outcome: 'ok'; value: T }
  | { outcome: 'failed'; error: UpstreamError }
  | { outcome: 'bug'; error: unknown };

/**
 * Runs one attempt under its own controller: the caller's abort is forwarded for the attempt's
 * whole life (streams outlive the promise), the timeout only until the promise settles.
 */
async function runAttempt<T>(
  attempt: (context: AttemptContext) => Promise<T>,
  context: Omit<AttemptContext, 'signal'>,
  outer: AbortSignal | undefined,
  timeoutMs: number,
  schedule: (fn: () => void, ms: number) => () => void,
): Promise<AttemptRun<T>> {
  const controller = new AbortController();
  const forward = (): void => controller.abort(outer?.reason);
  outer?.addEventListener('abort', forward, { once: true });
  let timedOut = false;
  const cancelTimer =
    timeoutMs > 0
      ? schedule(() => {
          timedOut = true;
          controller.abort(new UpstreamError('timeout', `attempt timed out after ${timeoutMs} ms`));
        }, timeoutMs)
      : noop;
  try {
    const value = await attempt({ ...context, signal: controller.signal });
    cancelTimer();
    // Keep forwarding the caller's abort: a resolved stream is still being consumed.
    if (!timedOut) return { outcome: 'ok', value };
    // The attempt's signal is already aborted: whatever it resolved with is unusable.
    outer?.removeEventListener('abort', forward);
    return { outcome: 'failed', error: timeout(timeoutMs) };
  } catch (raw) {
    cancelTimer();
    outer?.removeEventListener('abort', forward);
    if (outer?.aborted) return { outcome: 'failed', error: cancelled(outer.reason, raw) };
    if (timedOut) return { outcome: 'failed', error: timeout(timeoutMs, raw) };
    if (raw instanceof UpstreamError) return { outcome: 'failed', error: raw };
    return { outcome: 'bug', error: raw };
  }
}

function soonestDue(
  deployments: readonly RouteDeployment[],
  health: Pick<DeploymentHealth, 'openUntil'>,
  now: number,
): number | undefined {
  let soonest: number | undefined;
  for (const deployment of deployments) {
    const until = health.openUntil(deployment.key);
    if (until !== undefined && (soonest === undefined || until < soonest)) soonest = until;
  }
  return soonest === undefined ? undefined : Math.max(0, soonest - now);
}

function cancelled(reason: unknown, cause: unknown = reason): UpstreamError {
  if (cause instanceof UpstreamError && cause.kind === 'cancelled') return cause;
  return new UpstreamError('cancelled', 'the request was cancelled', { cause });
}

function timeout(timeoutMs: number, cause?: unknown): UpstreamError {
  if (cause instanceof UpstreamError && cause.kind === 'timeout') return cause;
  return new UpstreamError('timeout', `attempt timed out after ${timeoutMs} ms`, { cause });
}

function noop(): void {}

function scheduleTimeout(fn: () => void, ms: number): () => void {
  const timer = setTimeout(fn, ms);
  return () => clearTimeout(timer);
}

/** Real-timer sleep that rejects with the signal's reason when it aborts. */
function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
