import { randomUUID } from 'node:crypto';
import { BUCKET_EPSILON, BUCKETS, bucketCapacities, bucketKeys, budgetKey } from './admission.keys';
import {
  AdmissionStore,
  SpendLoadError,
  epochMs,
  tokensToTake,
  wholeAmount,
  type AdmissionRequest,
  type AdmissionResult,
  type BudgetCheck,
  type Reservation,
  type SettleResult,
  type SpendLoader,
  type ThresholdCrossing,
} from './admission.store';

interface Counter {
  spent: number;
  reserved: number;
  /** Open holds by reservation id; insertion order is expiry order (one TTL for all). */
  holds: Map<string, { micros: number; expiresAtMs: number }>;
  /** The limit at which the 80 % / 100 % alert was reported (a raised limit can alert again). */
  t80?: number;
  t100?: number;
  /** The counter is dropped after this (its period is over). */
  dropAtMs: number;
}

interface Bucket {
  tokens: number;
  ts: number;
  /** When the bucket is full again; past that the entry carries no information and is swept. */
  fullAtMs: number;
}

/** Options of {@link MemoryAdmissionStore}. */
export interface MemoryAdmissionStoreOptions {
  /** Seeds a budget counter the first time it is used. */
  loadSpend: SpendLoader;
  /** Epoch milliseconds (tests inject their own clock). */
  now?: () => number;
  /** A reservation never settled (crash, bug) stops holding budget after this long. Default 15 min. */
  reservationTtlMs?: number;
  /** A budget counter lives this long past its period's end (late settles still land). Default 1 h. */
  periodGraceMs?: number;
  /** How often expired counters and full buckets are swept out. Default 60 s. */
  sweepIntervalMs?: number;
}

/**
 * Admission in this process: the embedded mode (one ai-routing), and the per-replica fallback of
 * `RedisAdmissionStore` while Redis is unavailable. Each admit's check-and-reserve runs
 * synchronously, hence atomically; only seeding a missing budget counter from the
 * {@link SpendLoader} awaits, and that happens before the check (once per counter, concurrent
 * admits share the load). The clock is `Date.now` (budget periods are wall-clock).
 * Memory stays bounded: counters are dropped after their period, full buckets are swept.
 */
export class MemoryAdmissionStore extends AdmissionStore {
  private readonly counters = new Map<string, Counter>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly loading = new Map<string, Promise<void>>();
  private readonly loadSpend: SpendLoader;
  private readonly now: () => number;
  private readonly reservationTtlMs: number;
  private readonly periodGraceMs: number;
  private readonly sweepIntervalMs: number;
  private lastSweepMs: number;

  constructor(options: MemoryAdmissionStoreOptions) {
    super();
    this.loadSpend = options.loadSpend;
    this.now = options.now ?? Date.now;
    this.reservationTtlMs = options.reservationTtlMs ?? 15 * 60_000;
    this.periodGraceMs = options.periodGraceMs ?? 60 * 60_000;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    this.lastSweepMs = this.now();
  }

  /** Counters and buckets held (for tests and diagnostics). */
  get sizes(): { counters: number; buckets: number } {
    return { counters: this.counters.size, buckets: this.buckets.size };
  }

  async admit(req: AdmissionRequest): Promise<AdmissionResult> {
    const estimate = wholeAmount(req.estimateMicros, 'estimateMicros');
    const tokens = wholeAmount(req.estimatedTokens, 'estimatedTokens');
    for (const b of req.budgets) epochMs(b.periodEnd, 'periodEnd');
    // A counter could only vanish between the load and the check if swept; retrying is enough.
    for (let attempt = 0; ; attempt++) {
      const missing = req.budgets.filter((b) => !this.counters.has(budgetKey('', b)));
      if (missing.length === 0 || attempt >= 3) break;
      await Promise.all(missing.map((b) => this.ensureCounter(b)));
    }
    return this.admitNow(req, estimate, tokens);
  }

  async settle(reservation: Reservation, actualMicros: number, actualTokens: number): Promise<SettleResult> {
    const micros = wholeAmount(actualMicros, 'actualMicros');
    const tokens = wholeAmount(actualTokens, 'actualTokens');
    return Promise.resolve(this.settleNow(reservation, micros, tokens, true));
  }

  async release(reservation: Reservation): Promise<void> {
    this.settleNow(reservation, 0, 0, false);
    return Promise.resolve();
  }

  async close(): Promise<void> {
    this.counters.clear();
    this.buckets.clear();
    return Promise.resolve();
  }

  private ensureCounter(budget: BudgetCheck): Promise<void> {
    const key = budgetKey('', budget);
    let pending = this.loading.get(key);
    if (!pending) {
      pending = (async () => {
        let spent: number;
        try {
          spent = wholeAmount(await this.loadSpend(budget.budgetId, budget.periodStart), 'loaded spend');
        } catch (err) {
          throw new SpendLoadError(budget.budgetId, budget.periodStart, err);
        }
        // Set once: a counter created meanwhile (not possible in one process, but cheap) wins.
        if (!this.counters.has(key)) {
          const now = this.now();
          const dropAtMs = Math.max(
            epochMs(budget.periodEnd, 'periodEnd') + this.periodGraceMs,
            now + 60_000,
          );
          this.counters.set(key, { spent, reserved: 0, holds: new Map(), dropAtMs });
        }
      })().finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  /** The synchronous (atomic) check-and-reserve. */
  private admitNow(req: AdmissionRequest, estimate: number, tokens: number): AdmissionResult {
    const now = this.now();
    this.sweep(now);
    const counters: Counter[] = [];
    for (const budget of req.budgets) {
      const counter = this.counters.get(budgetKey('', budget));
      if (!counter) throw new Error(`budget counter ${budget.budgetId} vanished while admitting`);
      this.dropExpiredHolds(counter, now);
      counters.push(counter);
      if (budget.hard && counter.spent + counter.reserved + estimate > budget.limitMicros) {
        return {
          admitted: false,
          reason: 'budget_exceeded',
          budgetId: budget.budgetId,
          limitMicros: budget.limitMicros,
          spentMicros: counter.spent,
          reservedMicros: counter.reserved,
        };
      }
    }

    const keys = bucketKeys('', req);
    const caps = bucketCapacities(req.limits);
    const costs = caps.map((cap, i) => (BUCKETS[i].limit === 'rpm' ? 1 : tokensToTake(tokens, cap)));
    const levels: number[] = [];
    let worst: { index: number; waitMs: number } | undefined;
    caps.forEach((cap, i) => {
      if (cap === 0) return;
      const level = this.level(keys[i], cap, now);
      levels[i] = level;
      if (level + BUCKET_EPSILON < costs[i]) {
        const waitMs = Math.ceil(((costs[i] - level) * 60_000) / cap);
        if (!worst || waitMs > worst.waitMs) worst = { index: i, waitMs };
      }
    });
    if (worst) {
      return { admitted: false, reason: 'rate_limited', ...BUCKETS[worst.index], retryAfterMs: worst.waitMs };
    }

    const id = randomUUID();
    const expiresAtMs = now + this.reservationTtlMs;
    for (const counter of counters) {
      counter.reserved += estimate;
      counter.holds.set(id, { micros: estimate, expiresAtMs });
    }
    caps.forEach((cap, i) => {
      if (cap > 0) this.setBucket(keys[i], cap, levels[i] - costs[i], now);
    });
    return {
      admitted: true,
      reservation: {
        id,
        backend: 'memory',
        tenantId: req.tenantId,
        subjectKey: req.subjectKey,
        routeId: req.routeId,
        budgets: req.budgets.map((b) => ({ ...b })),
        estimateMicros: estimate,
        tpmTaken: { key: costs[1], route: costs[3] },
        limits: { ...req.limits },
        expiresAtMs,
      },
    };
  }

  private settleNow(reservation: Reservation, micros: number, tokens: number, report: boolean): SettleResult {
    const thresholdsCrossed: ThresholdCrossing[] = [];
    const now = this.now();
    // A counter gone (period over and dropped) is not recreated: the ledger has the usage.
    const counters = reservation.budgets.map((b) => this.counters.get(budgetKey('', b)));
    let live = reservation.budgets.length === 0 || now >= reservation.expiresAtMs;
    for (const counter of counters) {
      const hold = counter?.holds.get(reservation.id);
      if (!counter || !hold) continue;
      live = true;
      counter.holds.delete(reservation.id);
      counter.reserved = Math.max(0, counter.reserved - hold.micros);
    }
    // Neither held nor expired: settled or released already.
    if (!live) return { thresholdsCrossed };
    counters.forEach((counter, i) => {
      if (!counter) return;
      counter.spent += micros;
      if (report) thresholdsCrossed.push(...crossings(counter, reservation.budgets[i]));
    });
    const keys = bucketKeys('', reservation);
    const caps = bucketCapacities(reservation.limits);
    const taken = [0, reservation.tpmTaken.key, 0, reservation.tpmTaken.route];
    for (const i of [1, 3]) {
      const delta = tokens - taken[i];
      if (caps[i] === 0 || delta === 0) continue;
      this.setBucket(keys[i], caps[i], Math.min(caps[i], this.level(keys[i], caps[i], now) - delta), now);
    }
    return { thresholdsCrossed };
  }

  private level(key: string, capacity: number, now: number): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return capacity;
    return Math.min(capacity, bucket.tokens + (Math.max(0, now - bucket.ts) * capacity) / 60_000);
  }

  private setBucket(key: string, capacity: number, tokens: number, now: number): void {
    const fullAtMs = now + ((capacity - tokens) * 60_000) / capacity;
    this.buckets.set(key, { tokens, ts: now, fullAtMs });
  }

  private dropExpiredHolds(counter: Counter, now: number): void {
    for (const [id, hold] of counter.holds) {
      if (hold.expiresAtMs > now) break;
      counter.holds.delete(id);
      counter.reserved -= hold.micros;
    }
    if (counter.holds.size === 0) counter.reserved = 0;
  }

  private sweep(now: number): void {
    if (now - this.lastSweepMs < this.sweepIntervalMs) return;
    this.lastSweepMs = now;
    for (const [key, counter] of this.counters) {
      if (counter.dropAtMs <= now) this.counters.delete(key);
    }
    for (const [key, bucket] of this.buckets) {
      if (bucket.fullAtMs <= now) this.buckets.delete(key);
    }
  }
}

/** The thresholds a counter just reached and had not reported for this (or a lower) limit. */
function crossings(counter: Counter, budget: BudgetCheck): ThresholdCrossing[] {
  const out: ThresholdCrossing[] = [];
  const limit = budget.limitMicros;
  if (limit <= 0) return out;
  const base = { budgetId: budget.budgetId, spentMicros: counter.spent, limitMicros: limit };
  if (counter.spent * 5 >= limit * 4 && !(counter.t80 !== undefined && counter.t80 >= limit)) {
    counter.t80 = limit;
    out.push({ ...base, threshold: 80 });
  }
  if (counter.spent >= limit && !(counter.t100 !== undefined && counter.t100 >= limit)) {
    counter.t100 = limit;
    out.push({ ...base, threshold: 100 });
  }
  return out;
}
