export {
  jobQueue,
  queueKeys,
  type JobQueue,
  type QueueOptions,
  type QueueKeys,
  type QueueWorker,
  type WorkerOptions,
  type WorkerEvent,
  type Job,
  type Handler,
  type ReapResult,
  type QueueStats,
  type DeadJob,
} from './queue.ts';
export {
  QueueError,
  QueueArgumentError,
  DuplicateJobError,
  QueueServiceError,
  isQueueError,
  type AnyQueueError,
  type QueueErrorCode,
} from './errors.ts';
