// The public API of poc-caching-lru: the O(1) LRU, a Loader wrapper of the series' shared shape,
// Redis's approximate LRU as a trace replayer, and the seeded workload generators. The naive array LRU
// is behind the subpath 'poc-caching-lru/naive'.
export { lru, type Cache, type LruOptions } from './lru.ts';
export { cachedLoader, type CachedLoader, type Loader, type LoaderCache } from './loader.ts';
export { redisTrace, type RedisTrace, type RedisTraceOptions } from './redis-lru.ts';
export {
  zipfTrace,
  scanTrace,
  loopTrace,
  scanHeavyTrace,
  seededRandom,
  replay,
  type HitCount,
  type ZipfOptions,
} from './workloads.ts';
export {
  LruError,
  LruArgumentError,
  LruServiceError,
  isLruError,
  type AnyLruError,
  type LruErrorCode,
} from './errors.ts';
