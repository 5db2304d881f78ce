/** The response cache: keys, Cache-Control policy, memory and Redis stores, stream conversions. */
export {
  IGNORED_BODY_FIELDS,
  cacheKey,
  cacheKeyTenant,
  canonicalJson,
  type CacheKeyInput,
} from './cache-key';
export {
  cachePolicy,
  parseCacheControl,
  type CacheControl,
  type CachePolicy,
  type CachePolicyOptions,
} from './cache-policy';
export { ResponseCacheStore } from './response-cache.store';
export {
  MemoryResponseCacheStore,
  type MemoryResponseCacheStoreOptions,
} from './memory-response-cache.repository';
export {
  RedisResponseCacheStore,
  type RedisResponseCacheStoreOptions,
} from './redis-response-cache.repository';
export { chunksToCompletion, completionToChunks, type CompletionToChunksOptions } from './stream-conversion';
