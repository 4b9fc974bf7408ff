// poc-redis-kv-cache: cache-aside in front of PostgreSQL with TTLs and invalidation on write.
export {
  cacheAside,
  type CacheAside,
  type CacheAsideOptions,
  type CacheRead,
  type CacheStats,
  type FallbackEvent,
  type ReadOutcome,
  type Serializer,
} from './cache.ts';
export {
  CacheArgumentError,
  CacheError,
  CacheServiceError,
  CacheValueError,
  isCacheError,
  type AnyCacheError,
  type CacheErrorCode,
} from './errors.ts';
