// The public API of poc-rabbitmq-dead-letter: declare a work queue whose dead letters are parked, consume
// it so failures are dead-lettered rather than requeued, and read a message's dead-letter history (x-death)
// as types. Nothing connects at import. The naive consumer is behind 'poc-rabbitmq-dead-letter/naive'.
export {
  declareDeadLettering,
  deadLetterTopology,
  type DeadLetterOptions,
  type DeadLetterTopology,
  type QueueType,
  type Overflow,
  type DeadLetterStrategy,
} from './topology.ts';
export {
  consume,
  type Consumer,
  type ConsumerOptions,
  type ConsumerState,
  type ConsumerStats,
  type Delivery,
} from './consumer.ts';
export {
  parseXDeath,
  deathCount,
  DEATH_REASONS,
  type Death,
  type DeathHistory,
  type DeathPlace,
  type DeathReason,
} from './x-death.ts';
export {
  DeadLetterError,
  DeadLetterArgumentError,
  DeadLetterHeaderError,
  DeadLetterServiceError,
  isDeadLetterError,
  type AnyDeadLetterError,
  type DeadLetterErrorCode,
} from './errors.ts';
