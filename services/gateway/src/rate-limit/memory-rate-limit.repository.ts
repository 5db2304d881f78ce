import { RateLimitStore, refill, takeResult, type BucketLimits, type TakeResult } from './rate-limit.store';

interface Bucket {
  tokens: number;
  lastMs: number;
  /** When the bucket is full again; past that, the entry carries no information and is dropped. */
  fullAtMs: number;
}

export interface MemoryRateLimitStoreOptions {
  /** Milliseconds on a monotonic clock (tests inject their own). */
  now?: () => number;
  /** Most buckets kept; the least recently used go first (a dropped bucket counts as full). */
  maxEntries?: number;
  /** How often full buckets are swept out. */
  sweepIntervalMs?: number;
}

/**
 * Token buckets in this process: the embedded mode (one gateway), and the per-replica fallback of
 * `RedisRateLimitStore` while Redis is unavailable. Memory stays bounded: full buckets are swept
 * and at most `maxEntries` are kept.
 */
export class MemoryRateLimitStore extends RateLimitStore {
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;
  private readonly maxEntries: number;
  private readonly sweepIntervalMs: number;
  private lastSweepMs: number;

  constructor(options: MemoryRateLimitStoreOptions = {}) {
    super();
    this.now = options.now ?? (() => performance.now());
    this.maxEntries = options.maxEntries ?? 100_000;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    this.lastSweepMs = this.now();
  }

  get size(): number {
    return this.buckets.size;
  }

  take(key: string, limits: BucketLimits): Promise<TakeResult> {
    return Promise.resolve(this.takeNow(key, limits));
  }

  /** Synchronous, hence atomic within the process. */
  takeNow(key: string, limits: BucketLimits): TakeResult {
    const nowMs = this.now();
    this.sweep(nowMs);
    const cost = limits.cost ?? 1;
    const existing = this.buckets.get(key);
    let tokens = existing ? refill(existing.tokens, existing.lastMs, nowMs, limits) : limits.capacity;
    const allowed = tokens >= cost;
    if (allowed) tokens -= cost;

    // Re-insert so the Map's order is least recently used first.
    this.buckets.delete(key);
    if (tokens < limits.capacity) {
      const fullAtMs = nowMs + ((limits.capacity - tokens) / limits.refillPerSec) * 1000;
      this.buckets.set(key, { tokens, lastMs: nowMs, fullAtMs });
      if (this.buckets.size > this.maxEntries) {
        this.buckets.delete(this.buckets.keys().next().value!);
      }
    }
    return takeResult(allowed, tokens, limits);
  }

  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < this.sweepIntervalMs) return;
    this.lastSweepMs = nowMs;
    for (const [key, bucket] of this.buckets) {
      if (bucket.fullAtMs <= nowMs) this.buckets.delete(key);
    }
  }
}
