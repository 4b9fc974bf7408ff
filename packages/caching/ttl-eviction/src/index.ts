// poc-caching-ttl-eviction: TTLs with jitter against synchronised expiry, and Redis maxmemory policies.
// The fixed-TTL variant is behind 'poc-caching-ttl-eviction/naive'.
export {
  ttlCache,
  jitteredTtl,
  loadMeter,
  type Loader,
  type LoadMeter,
  type TtlCache,
  type TtlCacheOptions,
  type CacheStats,
  type ReadOutcome,
} from './ttl-cache.ts';
export {
  EVICTION_POLICIES,
  evictedKeys,
  replayTrace,
  setMemoryPolicy,
  type EvictionPolicy,
  type TraceResult,
} from './eviction.ts';
export { seededRandom, zipfTrace } from './workload.ts';
export {
  TtlEvictionError,
  TtlEvictionArgumentError,
  TtlEvictionServiceError,
  isTtlEvictionError,
  type AnyTtlEvictionError,
  type TtlEvictionErrorCode,
} from './errors.ts';
