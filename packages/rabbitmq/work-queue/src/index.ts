export {
  publisher,
  worker,
  type Publisher,
  type PublisherOptions,
  type Worker,
  type WorkerOptions,
  type WorkerStats,
  type Delivery,
  type FailurePolicy,
  type QueueOptions,
} from './work-queue.ts';
export {
  WorkQueueError,
  WorkQueueArgumentError,
  PublishNotConfirmedError,
  WorkQueueServiceError,
  isWorkQueueError,
  isPublishNotConfirmedError,
  isWorkQueueServiceError,
  type WorkQueueErrorCode,
  type NotConfirmedReason,
} from './errors.ts';
