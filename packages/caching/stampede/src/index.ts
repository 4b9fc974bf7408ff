// The public API of poc-caching-stampede: wrappers around any Loader that keep a hot key's expiry from
// becoming N identical database queries. The naive cache is behind 'poc-caching-stampede/naive'; the
// PostgreSQL fixture the tests, demo and bench share is src/source.ts (imported by path).
export {
  lockedCache,
  singleFlight,
  type CacheOptions,
  type CacheStats,
  type Cached,
  type GetOptions,
  type Loader,
  type LockedCacheOptions,
} from './stampede.ts';
export { xfetchCache, xfetchProbability, xfetchShouldRefresh, type XFetchOptions } from './xfetch.ts';
export {
  StampedeArgumentError,
  StampedeError,
  StampedeServiceError,
  StampedeTimeoutError,
  isStampedeError,
  type AnyStampedeError,
  type StampedeErrorCode,
} from './errors.ts';
