// The public API of poc-caching-refresh-ahead: a wrapper around any Loader that reloads hot keys in the
// background before they expire. The plain TTL cache it is measured against is behind
// 'poc-caching-refresh-ahead/naive'; the PostgreSQL fixture (src/quotes.ts) is imported by path.
export {
  refreshAhead,
  type Cache,
  type CacheOptions,
  type GetOptions,
  type Loader,
  type Outcome,
  type Read,
  type RefreshAheadOptions,
  type RefreshAheadStats,
  type RefreshErrorEvent,
} from './cache.ts';
export {
  RefreshAheadArgumentError,
  RefreshAheadError,
  RefreshAheadServiceError,
  isRefreshAheadError,
  type AnyRefreshAheadError,
  type RefreshAheadErrorCode,
} from './errors.ts';
