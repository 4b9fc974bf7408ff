// The public API of poc-caching-write-through: one set() that writes PostgreSQL and Redis, with the
// strategy for a failed cache write as data ('compensate' | 'invalidate'). The naive variant is behind
// 'poc-caching-write-through/naive'; the PostgreSQL fixture (src/products.ts) is imported by path.
export {
  writeThrough,
  type CacheErrorEvent,
  type CallOptions,
  type Loader,
  type OnCacheFailure,
  type WriteOutcome,
  type WriteThrough,
  type WriteThroughOptions,
  type WriteThroughStats,
  type Writer,
} from './write-through.ts';
export {
  WriteThroughArgumentError,
  WriteThroughCacheError,
  WriteThroughError,
  WriteThroughServiceError,
  isWriteThroughError,
  type AnyWriteThroughError,
  type WriteThroughErrorCode,
} from './errors.ts';
