import type { Logger } from '@brainmesh/logging';
import { counter, type Registry } from '@brainmesh/telemetry';
import type { RedisConnection } from '../repositories/redis-connection.repository';
import { tenantKeyPart } from './cache-key';
import { ResponseCacheStore } from './response-cache.store';

/** Options of {@link RedisResponseCacheStore}. */
export interface RedisResponseCacheStoreOptions {
  /** Shared with the admission store; the cache never closes it (its owner does). */
  connection: RedisConnection;
  logger: Logger;
  /** Where `ai_response_cache_store_errors_total` is registered (omit in tests that do not care). */
  registry?: Registry;
  /** Prefix of every key: `<prefix><tenant>:<sha256>`. Default `ai:cache:`. */
  keyPrefix?: string;
  /** A larger value (UTF-8 bytes) is not cached. Default 1 MiB. */
  maxEntryBytes?: number;
  /** At most one warning per this interval while Redis keeps failing. Default 30 s. */
  warnIntervalMs?: number;
}

/** Escapes the glob characters of SCAN MATCH. */
const globEscape = (text: string) => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

/**
 * The response cache in Redis, shared by every replica. An entry is a string key
 * `<prefix><encodeURIComponent(tenantId)>:<sha256>` (the {@link cacheKey} under the prefix, so a
 * tenant's entries are found with one SCAN MATCH) holding `<created epoch ms>\n<value>`, written
 * with `SET ... EX ttl`; the creation time serves the request's `max-age` freshness bound.
 *
 * Redis errors (down, slow past the connection's command timeout) make `get` a miss and `set` a
 * no-op, never a failed request; each counts in `ai_response_cache_store_errors_total{op}` and a
 * warning is logged at most once per `warnIntervalMs`.
 */
export class RedisResponseCacheStore extends ResponseCacheStore {
  private readonly connection: RedisConnection;
  private readonly logger: Logger;
  private readonly prefix: string;
  private readonly maxEntryBytes: number;
  private readonly warnIntervalMs: number;
  private readonly errors?: ReturnType<typeof counter<'op'>>;
  private lastWarnAt = Number.NEGATIVE_INFINITY;
  private suppressed = 0;

  constructor(options: RedisResponseCacheStoreOptions) {
    super();
    this.connection = options.connection;
    this.logger = options.logger;
    this.prefix = options.keyPrefix ?? 'ai:cache:';
    this.maxEntryBytes = options.maxEntryBytes ?? 1024 * 1024;
    this.warnIntervalMs = options.warnIntervalMs ?? 30_000;
    if (options.registry) {
      this.errors = counter(
        options.registry,
        'ai_response_cache_store_errors_total',
        'Response-cache operations Redis could not serve (answered as a miss / dropped)',
        ['op'],
      );
    }
  }

  async get(key: string, maxAgeS?: number): Promise<string | undefined> {
    let stored: string | null;
    try {
      void this.connection.ensureConnecting();
      stored = await this.connection.client.get(this.prefix + key);
    } catch (err) {
      this.failed('get', err);
      return undefined;
    }
    if (stored === null) return undefined;
    const newline = stored.indexOf('\n');
    const createdAtMs = Number(stored.slice(0, newline));
    if (newline === -1 || !Number.isFinite(createdAtMs)) return undefined; // not ours
    if (maxAgeS !== undefined && Date.now() - createdAtMs > maxAgeS * 1000) return undefined;
    return stored.slice(newline + 1);
  }

  async set(key: string, value: string, ttlS: number): Promise<void> {
    const ttl = Math.floor(ttlS);
    if (!(ttl > 0) || Buffer.byteLength(value) > this.maxEntryBytes) return;
    try {
      void this.connection.ensureConnecting();
      await this.connection.client.set(this.prefix + key, `${Date.now()}\n${value}`, 'EX', ttl);
    } catch (err) {
      this.failed('set', err);
    }
  }

  async listTenant(tenantId: string, limit = 1_000): Promise<string[]> {
    const keys: string[] = [];
    for await (const batch of this.scanTenant(tenantId)) {
      keys.push(...batch.map((k) => k.slice(this.prefix.length)));
      if (keys.length >= limit) break;
    }
    return keys.slice(0, limit);
  }

  async flushTenant(tenantId: string): Promise<number> {
    let removed = 0;
    for await (const batch of this.scanTenant(tenantId)) {
      if (batch.length > 0) removed += await this.connection.client.unlink(...batch);
    }
    return removed;
  }

  /** Closes nothing: the connection belongs to whoever created it. */
  async close(): Promise<void> {}

  /** Batches of full Redis keys of one tenant (SCAN, so Redis is never blocked). */
  private async *scanTenant(tenantId: string): AsyncGenerator<string[]> {
    void this.connection.ensureConnecting();
    const match = `${globEscape(this.prefix + tenantKeyPart(tenantId))}:*`;
    let cursor = '0';
    do {
      const [next, keys] = await this.connection.client.scan(cursor, 'MATCH', match, 'COUNT', 500);
      cursor = next;
      yield keys;
    } while (cursor !== '0');
  }

  private failed(op: 'get' | 'set', err: unknown): void {
    this.errors?.inc({ op });
    const now = Date.now();
    if (now - this.lastWarnAt < this.warnIntervalMs) {
      this.suppressed += 1;
      return;
    }
    this.logger.warn(
      { err: { message: (err as Error).message }, suppressed: this.suppressed },
      'response cache: Redis unavailable; answering as a miss',
    );
    this.lastWarnAt = now;
    this.suppressed = 0;
  }
}
