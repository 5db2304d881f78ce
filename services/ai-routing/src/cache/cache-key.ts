import { createHash } from 'node:crypto';

/**
 * Top-level request fields that do not change the answer, left out of the cache key:
 * - `stream`, `stream_options`: the same answer is replayed as a stream or as one object;
 * - `user`, `safety_identifier`: end-user identifiers for the provider's abuse monitoring;
 * - `metadata`, `store`: tags and storage of the completion on the provider's side;
 * - `service_tier`, `prompt_cache_key`: latency/priority and the provider's prompt-cache routing.
 * Everything else (model, messages, tools, temperature, seed, n, max_tokens, response_format, ...)
 * is part of the key, so any change that could change the answer misses.
 */
export const IGNORED_BODY_FIELDS: readonly string[] = [
  'stream',
  'stream_options',
  'user',
  'safety_identifier',
  'metadata',
  'store',
  'service_tier',
  'prompt_cache_key',
];

/** What a cache key is computed from. */
export interface CacheKeyInput {
  tenantId: string;
  routeId: string;
  kind: 'chat' | 'embeddings';
  /** The parsed JSON request body. */
  body: object;
}

/**
 * JSON with object keys sorted (recursively), so equal bodies serialise equally whatever order the
 * client wrote its keys in. Array order is kept (it matters: messages, inputs); `undefined` members
 * are left out, as `JSON.stringify` does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && typeof v !== 'function')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * The response-cache key of a request: `<encodeURIComponent(tenantId)>:<sha256 hex>`, the hash over
 * the canonical JSON of `{kind, routeId, tenantId, body minus IGNORED_BODY_FIELDS}`.
 * The readable tenant prefix lets a store list or flush one tenant's entries (and two tenants can
 * never share an entry); the hex part has no `:`, so {@link cacheKeyTenant} can split it back.
 */
export function cacheKey(input: CacheKeyInput): string {
  const body: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(input.body)) {
    if (!IGNORED_BODY_FIELDS.includes(field)) body[field] = value;
  }
  const canonical = canonicalJson({
    kind: input.kind,
    routeId: input.routeId,
    tenantId: input.tenantId,
    body,
  });
  const hash = createHash('sha256').update(canonical).digest('hex');
  return `${tenantKeyPart(input.tenantId)}:${hash}`;
}

/** The tenant prefix of cache keys (`encodeURIComponent(tenantId)`), as stores match it. */
export function tenantKeyPart(tenantId: string): string {
  return encodeURIComponent(tenantId);
}

/** The tenant id a {@link cacheKey} belongs to. */
export function cacheKeyTenant(key: string): string {
  return decodeURIComponent(key.slice(0, key.lastIndexOf(':')));
}
