/** How one bucket behaves: it holds up to `capacity` tokens and regains `refillPerSec` per second. */
export interface BucketLimits {
  capacity: number;
  refillPerSec: number;
  /** Tokens this request costs (default 1). */
  cost?: number;
}

/** The outcome of one `take`, in whole seconds as the RateLimit-* and Retry-After headers want. */
export interface TakeResult {
  allowed: boolean;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Seconds until the bucket is full again (RateLimit-Reset). */
  resetSeconds: number;
  /** Seconds until this request would be allowed (Retry-After); 0 when allowed. */
  retryAfterSeconds: number;
}

/**
 * Token buckets by key. Injected by this class token; `RedisRateLimitStore` (shared by every
 * gateway replica) when REDIS_URL is set, `MemoryRateLimitStore` (one process) otherwise.
 */
export abstract class RateLimitStore {
  /** Takes `cost` tokens from the bucket `key` if it holds that many; never rejects. */
  abstract take(key: string, limits: BucketLimits): Promise<TakeResult>;
}

/** Float noise (e.g. 2.9999999) must not cost a caller a token. */
const EPSILON = 1e-9;

/**
 * The answer for a bucket that holds `tokens` after the decision (the cost already taken when
 * allowed). Shared by both stores so their headers agree exactly.
 */
export function takeResult(allowed: boolean, tokens: number, limits: BucketLimits): TakeResult {
  const { capacity, refillPerSec } = limits;
  const cost = limits.cost ?? 1;
  const level = Math.max(0, Math.min(capacity, tokens));
  const secondsFor = (missing: number) =>
    missing <= EPSILON ? 0 : Math.ceil(missing / refillPerSec - EPSILON);
  return {
    allowed,
    remaining: Math.floor(level + EPSILON),
    resetSeconds: secondsFor(capacity - level),
    retryAfterSeconds: allowed ? 0 : Math.max(1, secondsFor(cost - level)),
  };
}

/** Refills a bucket last seen at `lastMs` holding `tokens` up to `nowMs` (a clock going back refills nothing). */
export function refill(tokens: number, lastMs: number, nowMs: number, limits: BucketLimits): number {
  const elapsed = Math.max(0, nowMs - lastMs) / 1000;
  return Math.min(limits.capacity, tokens + elapsed * limits.refillPerSec);
}
