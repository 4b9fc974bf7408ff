// The public API of poc-redis-watch: checkAndSet() runs optimistic WATCH/MULTI/EXEC updates with bounded,
// jittered retries on connections of its own; scriptedAdd() is the Lua version of the update the bench
// compares it with. Nothing connects at import. The naive variants are behind 'poc-redis-watch/naive'.
export {
  checkAndSet,
  checkAndSetDefaults,
  backoffDelay,
  type Arg,
  type Attempt,
  type CheckAndSet,
  type CheckAndSetOptions,
  type Command,
  type Committed,
  type ConflictEvent,
  type Plan,
} from './watch.ts';
export { type PoolStats } from './connections.ts';
export { scriptedAdd } from './scripted.ts';
export {
  WatchError,
  WatchArgumentError,
  WatchServiceError,
  WatchRetriesExhaustedError,
  WatchOutcomeUnknownError,
  isWatchError,
  type AnyWatchError,
  type WatchErrorCode,
} from './errors.ts';
