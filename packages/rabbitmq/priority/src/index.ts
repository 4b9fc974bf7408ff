// The public API of poc-rabbitmq-priority: priorityQueue() declares a durable queue with x-max-priority and
// gives back a confirmed publisher and a consumer factory (ack after the handler, prefetch per consumer).
// Nothing connects at import. The naive variant (a plain queue) is behind 'poc-rabbitmq-priority/naive'.
export {
  priorityQueue,
  MAX_PRIORITY_LIMIT,
  type PriorityQueue,
  type PriorityQueueOptions,
  type Message,
  type Delivery,
  type ConsumerOptions,
  type ConsumerStats,
  type PriorityConsumer,
} from './priority.ts';
export {
  PriorityError,
  PriorityArgumentError,
  PriorityServiceError,
  isPriorityError,
  type AnyPriorityError,
  type PriorityErrorCode,
} from './errors.ts';
