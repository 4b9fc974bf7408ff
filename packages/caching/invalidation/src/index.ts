// The public API of poc-caching-invalidation: wrappers around any Loader that keep a write's
// invalidation from being undone by a slow reader. The naive wrappers (delete-after-write and
// update-after-write without protection) are behind the subpath 'poc-caching-invalidation/naive'.
export {
  versionedCache,
  leasedCache,
  type Loader,
  type Versioned,
  type CacheOptions,
  type LeaseOptions,
  type CacheStats,
  type GetOptions,
  type InvalidatingCache,
  type VersionedCache,
  type LeasedCache,
} from './invalidation.ts';
export { mixedWorkload, type WorkloadOp, type WorkloadOptions } from './workload.ts';
export {
  InvalidationError,
  InvalidationArgumentError,
  InvalidationServiceError,
  isInvalidationError,
  type AnyInvalidationError,
  type InvalidationErrorCode,
} from './errors.ts';
