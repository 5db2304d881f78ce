/**
 * Admission: before an upstream call, the request is admitted against USD budgets and RPM/TPM
 * limits; the estimate is reserved, then settled with the real usage (or released on failure).
 * Money is integer micro-USD everywhere (1 USD = 1 000 000 micros) so sums stay exact.
 */

/** One budget the request counts against, for the period that contains now. */
export interface BudgetCheck {
  budgetId: string;
  /** Hard: a request that would take spent + reserved past the limit is refused (402). Soft: alerts only. */
  hard: boolean;
  limitMicros: number;
  /** ISO timestamps of the budget period that contains now (the counter is keyed by `periodStart`). */
  periodStart: string;
  periodEnd: string;
}

/** RPM/TPM limits of the route; 0 = unlimited. `*PerKey` apply to one subject on the route. */
export interface AdmissionLimits {
  rpmPerKey: number;
  tpmPerKey: number;
  rpm: number;
  tpm: number;
}

/** What is admitted: one upstream call. */
export interface AdmissionRequest {
  tenantId: string;
  /** The API key id (or user id) the per-key limits apply to. */
  subjectKey: string;
  routeId: string;
  budgets: BudgetCheck[];
  /** The most the call can cost (e.g. prompt + max output tokens at the route's prices), rounded up. */
  estimateMicros: number;
  /** Prompt + expected output tokens taken from the TPM buckets now, corrected at settle. */
  estimatedTokens: number;
  limits: AdmissionLimits;
}

/**
 * An admitted call's hold on budgets and buckets. Plain data (no methods), so it can be logged or
 * handed to another replica; pass it back to {@link AdmissionStore.settle} or
 * {@link AdmissionStore.release} once (a repeat is ignored, see there).
 */
export interface Reservation {
  id: string;
  /**
   * Which store holds it: `memory` when a Redis store admitted it on its per-replica fallback,
   * `lease` when admitted inside this replica's budget lease (settle it on the same replica).
   */
  backend: 'redis' | 'memory' | 'lease';
  tenantId: string;
  subjectKey: string;
  routeId: string;
  budgets: BudgetCheck[];
  /** Held on every budget until settle/release or expiry. */
  estimateMicros: number;
  /**
   * Tokens taken from the TPM buckets: the estimate capped at each bucket's capacity (so a request
   * larger than a whole minute of TPM is still admissible once the bucket is full); 0 when unlimited.
   */
  tpmTaken: { key: number; route: number };
  limits: AdmissionLimits;
  /** Epoch ms (of the store's clock) after which the hold is dropped even if never settled. */
  expiresAtMs: number;
}

/** The call may go ahead; settle or release the reservation afterwards. */
export interface AdmissionGranted {
  admitted: true;
  reservation: Reservation;
}

/** A hard budget has no room for the estimate (HTTP 402). */
export interface BudgetExceeded {
  admitted: false;
  reason: 'budget_exceeded';
  budgetId: string;
  limitMicros: number;
  /** Settled spend of the period. */
  spentMicros: number;
  /** Held by calls in flight (counted against the limit as well). */
  reservedMicros: number;
}

/** An RPM or TPM bucket is empty (HTTP 429 with Retry-After). */
export interface RateLimited {
  admitted: false;
  reason: 'rate_limited';
  limit: 'rpm' | 'tpm';
  scope: 'key' | 'route';
  /** When the refusing bucket (the slowest one, if several refused) has room for this request. */
  retryAfterMs: number;
}

export type AdmissionResult = AdmissionGranted | BudgetExceeded | RateLimited;

/** A budget's spend reached 80 % or 100 % of its limit with this settle (reported once per period). */
export interface ThresholdCrossing {
  budgetId: string;
  threshold: 80 | 100;
  spentMicros: number;
  limitMicros: number;
}

export interface SettleResult {
  thresholdsCrossed: ThresholdCrossing[];
}

/**
 * Micros spent on `budgetId` in the period starting at `periodStart` according to the durable usage
 * ledger. Called when a store has no counter for that budget and period (first use, Redis restarted
 * or the key evicted); the value seeds the counter once.
 */
export type SpendLoader = (budgetId: string, periodStart: string) => Promise<number>;

/** The {@link SpendLoader} failed: admission cannot tell how much was spent, so nothing was admitted. */
export class SpendLoadError extends Error {
  override readonly name = 'SpendLoadError';

  constructor(
    readonly budgetId: string,
    readonly periodStart: string,
    cause: unknown,
  ) {
    super(`loading the spend of budget ${budgetId} for ${periodStart} failed`, { cause });
  }
}

/**
 * Budgets and rate limits, admitted atomically. Injected by this class token: `RedisAdmissionStore`
 * (shared by every replica) when Redis is configured, `MemoryAdmissionStore` (embedded, one process)
 * otherwise.
 *
 * Contract: `admit` checks every hard budget (`spent + reserved + estimate <= limit`) and every
 * RPM/TPM bucket in one atomic step and, only if all pass, reserves on all of them (soft budgets are
 * reserved too but never refuse). A refusal takes nothing. `settle` moves the hold to spent with the
 * actual cost and corrects the TPM buckets; `release` drops the hold (failed call, no cost).
 */
export abstract class AdmissionStore {
  /** Rejects only with {@link SpendLoadError} (or a programming error such as invalid input). */
  abstract admit(req: AdmissionRequest): Promise<AdmissionResult>;

  /**
   * Charges `actualMicros` (may exceed the estimate) to every budget and `actualTokens -
   * tpmTaken` to the TPM buckets; reports each 80/100 threshold this charge crossed (for a `lease`
   * reservation the lease's next sync reports them, see `BudgetLeases`). Applies once:
   * a second settle or release of the same reservation (on any replica) is ignored while it is
   * unexpired; a settle after expiry still charges (the call did happen).
   */
  abstract settle(
    reservation: Reservation,
    actualMicros: number,
    actualTokens: number,
  ): Promise<SettleResult>;

  /** The call failed before costing anything: frees the budget hold and gives the TPM tokens back (RPM is not refunded). */
  abstract release(reservation: Reservation): Promise<void>;

  abstract close(): Promise<void>;
}

/** Whole non-negative micros (or tokens): fractions are rounded up, garbage is refused. */
export function wholeAmount(value: number, what: string): number {
  if (!Number.isFinite(value) || value < 0)
    throw new RangeError(`${what} must be a finite number >= 0 (got ${value})`);
  const whole = Math.ceil(value - 1e-9);
  if (!Number.isSafeInteger(whole)) throw new RangeError(`${what} is too large (${value})`);
  return Math.max(0, whole);
}

/** Epoch ms of an ISO timestamp; throws on garbage so a malformed period never creates an immortal key. */
export function epochMs(iso: string, what: string): number {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new RangeError(`${what} is not a valid ISO timestamp: ${iso}`);
  return ms;
}

/** Tokens a bucket of `capacity` takes for `estimate`: capped so an oversized request is not refused forever. */
export function tokensToTake(estimate: number, capacity: number): number {
  return capacity > 0 ? Math.min(estimate, capacity) : 0;
}
