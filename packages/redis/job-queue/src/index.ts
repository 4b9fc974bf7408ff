export {
  jobQueue,
  queueKeys,
  systemClock,
  type JobQueue,
  type QueueOptions,
  type QueueKeys,
  type QueueWorker,
  type WorkerOptions,
  type WorkerEvent,
  type Job,
  type Handler,
  type Clock,
  type ReapResult,
  type QueueStats,
  type DeadJob,
} from './queue.ts';
export { startNaiveWorker, type NaiveWorker } from './naive-worker.ts';
export {
  QueueError,
  QueueArgumentError,
  DuplicateJobError,
  QueueServiceError,
  isQueueError,
  isQueueArgumentError,
  isQueueServiceError,
  type QueueErrorCode,
} from './errors.ts';
