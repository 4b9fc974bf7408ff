// The public API of poc-caching-write-behind: writes acknowledged in Redis and flushed to PostgreSQL in
// coalesced batches, plain (a dirty hash) or durable (a stream with a consumer group). The write-through
// baseline is behind the subpath 'poc-caching-write-behind/naive'.
export {
  writeBehind,
  durableWriteBehind,
  createWriteBehindTable,
  type WriteBehind,
  type DurableWriteBehind,
  type WriteBehindOptions,
  type DurableWriteBehindOptions,
  type WriteCache,
  type WriteOptions,
  type Entry,
  type FlushResult,
  type WriteBehindStats,
} from './write-behind.ts';
export { zipfKeys, type ZipfOptions } from './workload.ts';
export {
  WriteBehindError,
  WriteBehindArgumentError,
  WriteBehindServiceError,
  isWriteBehindError,
  type AnyWriteBehindError,
  type WriteBehindErrorCode,
} from './errors.ts';
