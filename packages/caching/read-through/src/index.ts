// The public API of poc-caching-read-through: a loader-backed cache on Redis with negative caching.
// The naive variant is behind 'poc-caching-read-through/naive'; the PostgreSQL fixture (src/catalog.ts)
// and the workloads (src/workload.ts) are imported by path.
export {
  readThrough,
  type FallbackEvent,
  type GetOptions,
  type Loader,
  type Outcome,
  type Read,
  type ReadThrough,
  type ReadThroughOptions,
  type ReadThroughStats,
} from './read-through.ts';
export {
  ReadThroughArgumentError,
  ReadThroughError,
  ReadThroughServiceError,
  ReadThroughValueError,
  isReadThroughError,
  type AnyReadThroughError,
  type ReadThroughErrorCode,
} from './errors.ts';
