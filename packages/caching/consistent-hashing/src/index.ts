// poc-caching-consistent-hashing: a hash ring with virtual nodes and jump consistent hash, and a cache
// sharded over several Redis servers by either. hash mod n is behind 'poc-caching-consistent-hashing/naive'.
export {
  hashRing,
  jumpHash,
  jumpBucket,
  hash32,
  hash64,
  keysMoved,
  loadSpread,
  sampleKeys,
  type Sharder,
} from './sharders.ts';
export {
  shardedCache,
  type Loader,
  type ShardedCache,
  type ShardedCacheOptions,
  type ShardStats,
} from './sharded-cache.ts';
export {
  ConsistentHashingError,
  ConsistentHashingArgumentError,
  ConsistentHashingServiceError,
  isConsistentHashingError,
  type AnyConsistentHashingError,
  type ConsistentHashingErrorCode,
} from './errors.ts';
