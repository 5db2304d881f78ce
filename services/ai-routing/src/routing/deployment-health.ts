/**
 * Per-deployment health for the routing core: a circuit breaker and an EWMA of successful latencies,
 * held in process memory and keyed by `RouteDeployment.key`.
 *
 * The breaker keeps us from hammering a deployment that is down or rate limiting us (and from
 * making every request pay a timeout before falling back); the EWMA feeds the least-latency
 * strategy. Everything is synchronous and driven by an injected clock, so it is cheap on the hot
 * path and deterministic in tests.
 */

/**
 * `closed`: traffic flows. `open`: refused until `openUntil`. `half-open`: the open period elapsed;
 * exactly one probe at a time is let through to decide whether to close or re-open.
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Tuning of {@link DeploymentHealth}; every field has a default (see {@link DEFAULT_BREAKER_OPTIONS}). */
export interface BreakerOptions {
  /** Opens after this many failures in a row. */
  consecutiveFailures: number;
  /** Opens when failures / requests in the window reach this ratio (0..1] ... */
  errorRateThreshold: number;
  /** ... over a sliding window of this length ... */
  windowMs: number;
  /** ... once the window holds at least this many requests. */
  minRequests: number;
  /** How long the breaker stays open the first time (doubles on each failed probe). */
  openMs: number;
  /** Cap of the open period, including the provider's Retry-After. */
  maxOpenMs: number;
  /** EWMA smoothing factor of successful latencies, (0..1]: higher follows recent samples faster. */
  latencyAlpha: number;
}

/** Defaults of {@link BreakerOptions}. */
export const DEFAULT_BREAKER_OPTIONS: Readonly<BreakerOptions> = Object.freeze({
  consecutiveFailures: 5,
  errorRateThreshold: 0.5,
  windowMs: 60_000,
  minRequests: 20,
  openMs: 30_000,
  maxOpenMs: 300_000,
  latencyAlpha: 0.3,
});

/** Called after a breaker changed state (metrics, logs). Errors thrown by listeners are ignored. */
export type BreakerTransitionListener = (key: string, from: BreakerState, to: BreakerState) => void;

/**
 * The sliding window is kept as a ring of this many time buckets (bounded memory whatever the
 * request rate); it therefore covers between `(N-1)/N` and all of `windowMs`.
 */
const WINDOW_BUCKETS = 30;

interface Bucket {
  /** `floor(time / bucketMs)` of the period this bucket counts; -1 = never used. */
  index: number;
  ok: number;
  failed: number;
}

interface Entry {
  state: BreakerState;
  consecutiveFailures: number;
  buckets: Bucket[];
  /** Epoch ms until which the breaker refuses traffic (meaningful while open). */
  openUntil: number;
  /** Length of the last open period; doubles on each failed probe, reset on close. */
  openPeriodMs: number;
  /** Latest "do not come back before" instant the provider asked for since the last success. */
  retryAfterUntil: number;
  /** Half-open only: the single probe is in flight. */
  probeInFlight: boolean;
  latencyEwma: number | undefined;
}

/**
 * Circuit breakers and latency EWMAs of all deployments of this process (one instance per
 * process, shared by every request).
 *
 * A verdict (`recordSuccess`/`recordFailure`) or a `release` that arrives while half-open is
 * attributed to the probe: the API has no per-attempt permit, so an attempt started before the
 * breaker opened and ending during half-open is taken as the probe's outcome.
 */
export class DeploymentHealth {
  private readonly options: Readonly<BreakerOptions>;
  private readonly bucketMs: number;
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<BreakerTransitionListener>();

  /**
   * @param options overrides of {@link DEFAULT_BREAKER_OPTIONS}; invalid values throw a RangeError.
   * @param clock epoch milliseconds (injected for tests).
   */
  constructor(
    options: Partial<BreakerOptions> = {},
    private readonly clock: () => number = Date.now,
  ) {
    const merged: BreakerOptions = { ...DEFAULT_BREAKER_OPTIONS };
    for (const [name, value] of Object.entries(options) as Array<
      [keyof BreakerOptions, number | undefined]
    >) {
      if (value !== undefined) merged[name] = value;
    }
    validate(merged);
    this.options = Object.freeze(merged);
    this.bucketMs = Math.max(1, Math.ceil(merged.windowMs / WINDOW_BUCKETS));
  }

  /**
   * Asks to send a request to the deployment. Closed: yes. Open and not yet due: no. Open and due:
   * goes half-open and grants the single probe. Half-open: yes only when no probe is in flight.
   * A granted half-open probe must end with `recordSuccess`, `recordFailure` or `release`.
   */
  tryAcquire(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry || entry.state === 'closed') return true;
    if (entry.state === 'open') {
      if (this.clock() < entry.openUntil) return false;
      entry.probeInFlight = true;
      this.transition(key, entry, 'half-open');
      return true;
    }
    if (entry.probeInFlight) return false;
    entry.probeInFlight = true;
    return true;
  }

  /** The deployment answered: feeds the latency EWMA; a half-open probe's success closes the breaker. */
  recordSuccess(key: string, latencyMs: number): void {
    const entry = this.entry(key);
    const latency = Math.max(0, latencyMs);
    const alpha = this.options.latencyAlpha;
    entry.latencyEwma =
      entry.latencyEwma === undefined ? latency : alpha * latency + (1 - alpha) * entry.latencyEwma;
    if (entry.state === 'half-open') {
      this.reset(entry);
      this.transition(key, entry, 'closed');
      return;
    }
    entry.consecutiveFailures = 0;
    entry.retryAfterUntil = 0;
    this.count(entry, true);
  }

  /**
   * The deployment failed (or rate limited us: pass the provider's `retryAfterMs`, which keeps the
   * breaker open at least that long once it opens). Closed: may open it. Half-open: re-opens it
   * with a doubled open period. Open: only a later Retry-After extends it.
   */
  recordFailure(key: string, failure: { retryAfterMs?: number } = {}): void {
    const entry = this.entry(key);
    const now = this.clock();
    if (failure.retryAfterMs !== undefined && failure.retryAfterMs > 0) {
      entry.retryAfterUntil = Math.max(entry.retryAfterUntil, now + failure.retryAfterMs);
    }
    if (entry.state === 'half-open') {
      entry.probeInFlight = false;
      this.open(key, entry, Math.min(entry.openPeriodMs * 2, this.options.maxOpenMs));
      return;
    }
    entry.consecutiveFailures += 1;
    this.count(entry, false);
    if (entry.state === 'open') {
      entry.openUntil = Math.max(
        entry.openUntil,
        Math.min(entry.retryAfterUntil, now + this.options.maxOpenMs),
      );
      return;
    }
    if (entry.consecutiveFailures >= this.options.consecutiveFailures || this.errorRateTripped(entry)) {
      this.open(key, entry, this.options.openMs);
    }
  }

  /**
   * The attempt ended without a verdict on the deployment (client cancelled, request rejected as
   * malformed): frees a half-open probe slot without judging. No-op otherwise.
   */
  release(key: string): void {
    const entry = this.entries.get(key);
    if (entry?.state === 'half-open') entry.probeInFlight = false;
  }

  /** Current state. An open breaker whose period elapsed stays `open` until the next `tryAcquire`. */
  state(key: string): BreakerState {
    return this.entries.get(key)?.state ?? 'closed';
  }

  /** EWMA of successful latencies in ms; `undefined` until the first success. */
  latencyEwma(key: string): number | undefined {
    return this.entries.get(key)?.latencyEwma;
  }

  /** Epoch ms until which an open breaker refuses traffic; `undefined` unless open. */
  openUntil(key: string): number | undefined {
    const entry = this.entries.get(key);
    return entry?.state === 'open' ? entry.openUntil : undefined;
  }

  /** Subscribes to state changes; returns the unsubscribe function. */
  onTransition(listener: BreakerTransitionListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Drops everything known about a deployment (e.g. its route was deleted). */
  forget(key: string): void {
    this.entries.delete(key);
  }

  private entry(key: string): Entry {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = {
        state: 'closed',
        consecutiveFailures: 0,
        buckets: Array.from({ length: WINDOW_BUCKETS }, () => ({ index: -1, ok: 0, failed: 0 })),
        openUntil: 0,
        openPeriodMs: this.options.openMs,
        retryAfterUntil: 0,
        probeInFlight: false,
        latencyEwma: undefined,
      };
      this.entries.set(key, entry);
    }
    return entry;
  }

  private open(key: string, entry: Entry, periodMs: number): void {
    const now = this.clock();
    entry.openPeriodMs = periodMs;
    entry.openUntil = Math.min(Math.max(now + periodMs, entry.retryAfterUntil), now + this.options.maxOpenMs);
    this.transition(key, entry, 'open');
  }

  private reset(entry: Entry): void {
    entry.consecutiveFailures = 0;
    entry.openPeriodMs = this.options.openMs;
    entry.retryAfterUntil = 0;
    entry.probeInFlight = false;
    entry.openUntil = 0;
    for (const bucket of entry.buckets) {
      bucket.index = -1;
      bucket.ok = 0;
      bucket.failed = 0;
    }
  }

  private count(entry: Entry, ok: boolean): void {
    const index = Math.floor(this.clock() / this.bucketMs);
    const bucket = entry.buckets[index % WINDOW_BUCKETS];
    if (bucket.index !== index) {
      bucket.index = index;
      bucket.ok = 0;
      bucket.failed = 0;
    }
    if (ok) bucket.ok += 1;
    else bucket.failed += 1;
  }

  private errorRateTripped(entry: Entry): boolean {
    const current = Math.floor(this.clock() / this.bucketMs);
    let total = 0;
    let failed = 0;
    for (const bucket of entry.buckets) {
      if (bucket.index > current - WINDOW_BUCKETS) {
        total += bucket.ok + bucket.failed;
        failed += bucket.failed;
      }
    }
    return total >= this.options.minRequests && failed / total >= this.options.errorRateThreshold;
  }

  private transition(key: string, entry: Entry, to: BreakerState): void {
    const from = entry.state;
    entry.state = to;
    for (const listener of this.listeners) {
      try {
        listener(key, from, to);
      } catch {
        // A metrics/log listener must not break routing nor leave the breaker half-updated.
      }
    }
  }
}

function validate(options: BreakerOptions): void {
  const positive: Array<keyof BreakerOptions> = [
    'consecutiveFailures',
    'windowMs',
    'minRequests',
    'openMs',
    'maxOpenMs',
  ];
  for (const name of positive) {
    if (!Number.isFinite(options[name]) || options[name] <= 0) {
      throw new RangeError(`BreakerOptions.${name} must be a positive number (got ${options[name]})`);
    }
  }
  for (const name of ['errorRateThreshold', 'latencyAlpha'] as const) {
    if (!(options[name] > 0 && options[name] <= 1)) {
      throw new RangeError(`BreakerOptions.${name} must be in (0, 1] (got ${options[name]})`);
    }
  }
  if (options.maxOpenMs < options.openMs) {
    throw new RangeError('BreakerOptions.maxOpenMs must be >= openMs');
  }
}
