/**
 * Cached upstream answers (a chat completion or an embeddings response, as JSON text) by
 * {@link cacheKey}. Injected by this class token: `RedisResponseCacheStore` (shared by replicas)
 * when Redis is configured, `MemoryResponseCacheStore` (one process) otherwise.
 *
 * Contract for the request path: `get` and `set` never reject; a store that cannot answer misses
 * (and a failed write is dropped), so the cache can only make a request faster, never fail it.
 */
export abstract class ResponseCacheStore {
  /**
   * The value stored under `key`, or undefined when absent, expired, older than `maxAgeS` (the
   * request's freshness bound, see `CachePolicy.maxAgeS`) or the store is unavailable.
   */
  abstract get(key: string, maxAgeS?: number): Promise<string | undefined>;

  /** Stores `value` for `ttlS` seconds (nothing when `ttlS` <= 0 or the value is over the size bound). */
  abstract set(key: string, value: string, ttlS: number): Promise<void>;

  /** Up to `limit` keys of one tenant's entries (admin/diagnostics; may reject when the store is down). */
  abstract listTenant(tenantId: string, limit?: number): Promise<string[]>;

  /** Deletes every entry of one tenant; resolves how many went (may reject when the store is down). */
  abstract flushTenant(tenantId: string): Promise<number>;

  abstract close(): Promise<void>;
}
