// The public API of poc-resilience-backoff-jitter: retry() (a kit Policy) and its back-off schedules as
// pure functions. The naive variant is behind 'poc-resilience-backoff-jitter/naive'; the contended
// resource of the tests, bench and demo behind 'poc-resilience-backoff-jitter/lab'.
export { retry, type RetryOptions, type RetryPolicy, type RetryEvent } from './retry.ts';
export {
  backoffDelay,
  backoffSchedule,
  BACKOFF_KINDS,
  type Backoff,
  type BackoffKind,
  type Random,
} from './backoff.ts';
export {
  BackoffJitterError,
  BackoffJitterArgumentError,
  BackoffJitterServiceError,
  ResourceBusyError,
  isBackoffJitterError,
  type AnyBackoffJitterError,
  type BackoffJitterErrorCode,
} from './errors.ts';
