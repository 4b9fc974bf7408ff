export { publisher, type Publisher, type PublisherOptions } from './publisher.ts';
export {
  worker,
  type Worker,
  type WorkerOptions,
  type WorkerState,
  type WorkerStats,
  type Delivery,
  type FailurePolicy,
} from './worker.ts';
export type { QueueOptions } from './queue.ts';
export {
  WorkQueueError,
  WorkQueueArgumentError,
  PublishNotConfirmedError,
  WorkQueueServiceError,
  isWorkQueueError,
  type WorkQueueErrorCode,
  type NotConfirmedReason,
} from './errors.ts';
