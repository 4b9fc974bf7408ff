// The public API of poc-caching-stale-read-after-write: a cache-aside wrapper around any Loader whose
// sessions get their own writes back, by one of three strategies. The naive strategy (any cached answer
// is served) is behind the subpath 'poc-caching-stale-read-after-write/naive'; the PostgreSQL fixture
// (src/profiles.ts) and the rounds (src/workload.ts) are imported by path.
export {
  readYourWritesCache,
  type CacheStats,
  type GetOptions,
  type Loader,
  type Read,
  type ReadYourWritesCache,
  type ReadYourWritesOptions,
  type Session,
  type Source,
  type Versioned,
} from './read-your-writes.ts';
export { bypassAfterWrite, versionTokens, writeThrough, type Consistency, type Mark } from './strategies.ts';
export { measureLagMs, replicationState, type ReplicationState } from './replication.ts';
export {
  StaleReadAfterWriteError,
  StaleReadAfterWriteArgumentError,
  StaleReadAfterWriteServiceError,
  isStaleReadAfterWriteError,
  type AnyStaleReadAfterWriteError,
  type StaleReadAfterWriteErrorCode,
} from './errors.ts';
