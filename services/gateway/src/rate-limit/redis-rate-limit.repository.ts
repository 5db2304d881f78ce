import { createHash } from 'node:crypto';
import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Logger } from '@brainmesh/logging';
import { counter, type Registry } from '@brainmesh/telemetry';
import Redis from 'ioredis';
import { MemoryRateLimitStore } from './memory-rate-limit.repository';
import { TokenLeases, type LeaseGrant, type TokenLeasesOptions } from './rate-limit-lease';
import { RateLimitStore, type BucketLimits, type TakeResult } from './rate-limit.store';

/**
 * One atomic lease step on a token bucket. The clock is Redis's own (`TIME`), so every gateway
 * replica sees the same time whatever its local clock says. A bucket is a hash {tokens, ts (ms)}
 * that expires when it would be full again: an absent key is a full bucket. After the refill, the
 * `give` tokens a replica did not spend come back (capped at capacity), then up to `want` whole
 * tokens are granted if the bucket holds at least `cost` (never more than it holds).
 * KEYS[1] bucket; ARGV capacity, refill per second, want, cost, give.
 * Returns {granted, tokens left} as strings.
 */
export const LEASE_SCRIPT = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local give = tonumber(ARGV[5])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
if now > ts then
  tokens = math.min(capacity, tokens + (now - ts) * rate / 1000)
  ts = now
end
tokens = math.min(capacity, tokens + give)
local granted = 0
-- 1e-9: float noise (0.9999999999 tokens) must not refuse a caller (the memory store agrees).
if want > 0 and tokens + 1e-9 >= cost then
  granted = math.max(cost, math.min(want, math.floor(tokens + 1e-9)))
  tokens = tokens - granted
end
local ttl = math.ceil((capacity - tokens) * 1000 / rate)
if ttl > 0 then
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts))
  redis.call('PEXPIRE', KEYS[1], ttl)
else
  redis.call('DEL', KEYS[1])
end
return {tostring(granted), tostring(tokens)}
`;

const LEASE_SHA = createHash('sha1').update(LEASE_SCRIPT).digest('hex');

export interface RedisRateLimitStoreOptions {
  url: string;
  logger: Logger;
  registry: Registry;
  /** A Redis command slower than this counts as Redis being unavailable. */
  commandTimeoutMs?: number;
  /** How long start-up waits for the first connection before going on without it. */
  connectWaitMs?: number;
  /** Used while Redis is unavailable; a per-replica in-memory store by default. */
  fallback?: RateLimitStore;
  /** At most one warning per this interval while Redis keeps failing. */
  warnIntervalMs?: number;
  /** Lease tuning (`TokenLeases`); the defaults suit production. */
  leases?: Omit<TokenLeasesOptions, 'onGiveBackError'>;
}

/**
 * Token buckets in Redis, shared by every gateway replica. Takes are answered from token leases
 * (`TokenLeases`): a replica takes a batch of tokens in one atomic Lua script call (EVALSHA,
 * loaded on NOSCRIPT) and spends it locally, so a busy key costs one Redis call per batch, and a
 * quiet one a call per request as without leases. Unspent tokens go back to Redis after 1 s and on
 * shutdown. Calls count in `ratelimit_redis_calls_total` by operation (lease, return).
 *
 * When Redis is unavailable (down, unreachable, slower than `commandTimeoutMs`) the API stays up:
 * decisions fall back to per-replica in-memory buckets with the same limits (so login is still
 * bounded per replica; across N replicas a caller gets up to N times the limit), each failure
 * counts in `ratelimit_store_errors_total` and a warning is logged at most every 30 s. Commands
 * are never queued while disconnected, so an outage costs no latency.
 */
export class RedisRateLimitStore extends RateLimitStore implements OnModuleInit, OnModuleDestroy {
  readonly client: Redis;
  private readonly fallback: RateLimitStore;
  private readonly logger: Logger;
  private readonly errors;
  private readonly calls;
  private readonly leases: TokenLeases;
  private readonly warnIntervalMs: number;
  private readonly connectWaitMs: number;
  private lastWarnAt = Number.NEGATIVE_INFINITY;
  private suppressed = 0;

  constructor(options: RedisRateLimitStoreOptions) {
    super();
    this.logger = options.logger;
    this.fallback = options.fallback ?? new MemoryRateLimitStore();
    this.warnIntervalMs = options.warnIntervalMs ?? 30_000;
    this.connectWaitMs = options.connectWaitMs ?? 2_000;
    this.errors = counter(
      options.registry,
      'ratelimit_store_errors_total',
      'Rate-limit decisions the shared store could not make (answered by the per-replica fallback)',
      ['store'],
    );
    this.calls = counter(
      options.registry,
      'ratelimit_redis_calls_total',
      'Rate-limit script calls to Redis: token leases taken, and unspent tokens given back',
      ['op'],
    );
    this.leases = new TokenLeases((key, limits, want, giveBack) => this.lease(key, limits, want, giveBack), {
      ...options.leases,
      onGiveBackError: (err) =>
        this.warn(err, 'rate-limit store: could not give leased tokens back to Redis'),
    });
    this.client = new Redis(options.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 250,
      connectTimeout: 2_000,
      retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    });
    this.client.on('error', (err: Error) => this.warn(err, 'rate-limit store: Redis connection error'));
  }

  /** Connects (waiting at most `connectWaitMs`); a Redis that is down does not stop start-up. */
  async onModuleInit(): Promise<void> {
    const connecting = this.client.connect().catch(() => undefined); // errors arrive as 'error' events
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      connecting,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.connectWaitMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    if (this.client.status !== 'ready') {
      this.logger.warn(
        { status: this.client.status },
        'rate-limit store: Redis not reachable yet; limits are per replica until it is',
      );
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.leases.close();
    try {
      if (this.client.status === 'ready') await this.client.quit();
      else this.client.disconnect();
    } catch {
      this.client.disconnect();
    }
  }

  async take(key: string, limits: BucketLimits): Promise<TakeResult> {
    try {
      return await this.leases.take(key, limits);
    } catch (err) {
      this.errors.inc({ store: 'redis' });
      this.warn(err as Error, 'rate-limit store: Redis unavailable; using per-replica limits');
      return this.fallback.take(key, limits);
    }
  }

  /** One LEASE_SCRIPT call: gives `giveBack` tokens back, then takes up to `want`. */
  private async lease(
    key: string,
    limits: BucketLimits,
    want: number,
    giveBack: number,
  ): Promise<LeaseGrant> {
    this.calls.inc({ op: want > 0 ? 'lease' : 'return' });
    const { capacity, refillPerSec, cost = 1 } = limits;
    const args = [capacity, refillPerSec, want, cost, giveBack].map(String);
    let reply: unknown;
    try {
      reply = await this.client.evalsha(LEASE_SHA, 1, key, ...args);
    } catch (err) {
      if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
      reply = await this.client.eval(LEASE_SCRIPT, 1, key, ...args);
    }
    const [granted, level] = reply as [string, string];
    return { granted: Number(granted), level: Number(level) };
  }

  private warn(err: Error, message: string): void {
    const now = Date.now();
    if (now - this.lastWarnAt < this.warnIntervalMs) {
      this.suppressed += 1;
      return;
    }
    this.logger.warn({ err: { message: err.message }, suppressed: this.suppressed }, message);
    this.lastWarnAt = now;
    this.suppressed = 0;
  }
}
