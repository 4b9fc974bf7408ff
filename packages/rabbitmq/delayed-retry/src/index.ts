// The public API of poc-rabbitmq-delayed-retry: the retry topology (work queue, one TTL'd wait queue per
// back-off level, a parking queue) and a consumer that routes failures through it. Nothing connects at
// import. The naive variants are behind the subpath 'poc-rabbitmq-delayed-retry/naive'.
export {
  delayedRetryConsumer,
  assertRetryQueues,
  retryQueueNames,
  publishWork,
  ATTEMPT_HEADER,
  ERROR_HEADER,
  type DelayedRetryOptions,
  type DelayedRetryConsumer,
  type RetryDelivery,
  type RetryQueues,
  type RetryStats,
} from './delayed-retry.ts';
export {
  DelayedRetryError,
  DelayedRetryArgumentError,
  DelayedRetryServiceError,
  isDelayedRetryError,
  type AnyDelayedRetryError,
  type DelayedRetryErrorCode,
} from './errors.ts';
