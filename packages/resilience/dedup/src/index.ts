// The public API of poc-resilience-dedup: one factory with its strategies as data, its types, its errors
// and one guard. It takes its ioredis client; nothing connects at import. The naive variant is behind the
// subpath 'poc-resilience-dedup/naive'; the lab consumer (src/lab/) is not exported.
export {
  dedup,
  type Dedup,
  type DedupOptions,
  type DedupStrategy,
  type FailurePolicy,
  type Message,
  type Outcome,
  type RedisCommand,
} from './dedup.ts';
export {
  DedupError,
  DedupArgumentError,
  DedupServiceError,
  isDedupError,
  type AnyDedupError,
  type DedupErrorCode,
} from './errors.ts';
