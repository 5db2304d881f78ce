/** The request's `Cache-Control` directives that matter to the response cache. */
export interface CacheControl {
  /** `no-store`: neither read nor write the cache. */
  noStore: boolean;
  /** `no-cache`: do not answer from the cache (the fresh answer is still stored). */
  noCache: boolean;
  /** `max-age=N` in seconds (the smallest when repeated); absent when not given or malformed. */
  maxAgeS?: number;
}

/** What the cache does for one request. */
export interface CachePolicy {
  read: boolean;
  write: boolean;
  /** TTL of a written entry (0 when `write` is false). */
  ttlS: number;
  /**
   * Freshness bound of a read: an entry older than this is a miss (the request's `max-age`); pass it
   * to `ResponseCacheStore.get`. Absent: any unexpired entry.
   */
  maxAgeS?: number;
}

/** Bounds of {@link cachePolicy}. */
export interface CachePolicyOptions {
  /** A request's `max-age` never makes an entry live longer than this. Default 86 400 (1 day). */
  maxTtlS?: number;
}

/**
 * Parses a `Cache-Control` request header (case-insensitive, comma-separated, quoted values
 * allowed; several header lines are joined). Unknown directives are ignored; a malformed or
 * negative `max-age` is ignored.
 */
export function parseCacheControl(header: string | readonly string[] | undefined | null): CacheControl {
  const text = Array.isArray(header) ? header.join(',') : ((header as string | undefined | null) ?? '');
  const result: CacheControl = { noStore: false, noCache: false };
  for (const raw of text.split(',')) {
    const directive = raw.trim();
    if (!directive) continue;
    const eq = directive.indexOf('=');
    const name = (eq === -1 ? directive : directive.slice(0, eq)).trim().toLowerCase();
    const value =
      eq === -1
        ? undefined
        : directive
            .slice(eq + 1)
            .trim()
            .replace(/^"(.*)"$/, '$1');
    if (name === 'no-store') result.noStore = true;
    else if (name === 'no-cache') result.noCache = true;
    else if (name === 'max-age' && value !== undefined && /^\d+$/.test(value)) {
      const seconds = Math.min(Number(value), 2 ** 31 - 1);
      result.maxAgeS = result.maxAgeS === undefined ? seconds : Math.min(result.maxAgeS, seconds);
    }
  }
  return result;
}

/**
 * Decides cache use from the route's TTL and the request's `Cache-Control`. Rules, in order:
 * 1. `no-store`: no read, no write.
 * 2. Opt-in: the cache is used only when the route's TTL > 0 or the request sends `max-age` > 0
 *    (a client may ask for caching on a route without a TTL, bounded by `maxTtlS`).
 * 3. TTL of a written entry: the route's TTL, capped by the request's `max-age` when > 0 (without a
 *    route TTL: the `max-age`), and by `maxTtlS`.
 * 4. Read unless `no-cache` or `max-age=0` (both mean "do not answer me from the cache"); the fresh
 *    answer is still written with the route's TTL (`max-age=0` does not cap the TTL to nothing).
 * 5. A read honours `max-age` > 0 as a freshness bound (`maxAgeS`): older entries are misses.
 */
export function cachePolicy(
  routeTtlS: number,
  cacheControl: CacheControl,
  options: CachePolicyOptions = {},
): CachePolicy {
  const off: CachePolicy = { read: false, write: false, ttlS: 0 };
  if (cacheControl.noStore) return off;
  const routeTtl = Number.isFinite(routeTtlS) && routeTtlS > 0 ? Math.floor(routeTtlS) : 0;
  const maxAge = cacheControl.maxAgeS;
  const requestTtl = maxAge !== undefined && maxAge > 0 ? maxAge : 0;
  if (routeTtl === 0 && requestTtl === 0) return off;

  const maxTtlS = options.maxTtlS ?? 86_400;
  let ttlS = routeTtl > 0 && requestTtl > 0 ? Math.min(routeTtl, requestTtl) : routeTtl || requestTtl;
  if (requestTtl > 0) ttlS = Math.min(ttlS, maxTtlS);
  const read = !cacheControl.noCache && maxAge !== 0;
  const policy: CachePolicy = { read, write: ttlS > 0, ttlS };
  if (read && requestTtl > 0) policy.maxAgeS = requestTtl;
  return policy;
}
