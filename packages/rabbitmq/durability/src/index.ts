// The public API of poc-rabbitmq-durability: a queue opened with the durability you choose (durable
// queue, persistent messages, confirms), a lazy or default classic queue mode, and the read-back a
// restart test needs. Nothing connects at import. The naive variant is behind 'poc-rabbitmq-durability/naive'.
export {
  openQueue,
  modeArguments,
  DURABLE,
  TRANSIENT,
  QUEUE_MODES,
  type Durability,
  type DurableQueue,
  type OutgoingMessage,
  type PublishOutcome,
  type QueueMode,
  type QueueOptions,
} from './durability.ts';
export { queueDepth, drainQueue, type DrainedMessage } from './inspect.ts';
export {
  DurabilityError,
  DurabilityArgumentError,
  DurabilityServiceError,
  PublishNotConfirmedError,
  isDurabilityError,
  type AnyDurabilityError,
  type DurabilityErrorCode,
  type NotConfirmedReason,
} from './errors.ts';
