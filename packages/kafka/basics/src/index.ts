export {
  topic,
  ensureTopics,
  describeIssues,
  type Topic,
  type TopicSpec,
  type Decoded,
  type DecodeFailure,
} from './topics.ts';
export {
  typedProducer,
  runTypedConsumer,
  redirectingSocketFactory,
  DEAD_LETTER_HEADERS,
  type Acks,
  type TypedProducer,
  type TypedProducerOptions,
  type OutgoingMessage,
  type IncomingMessage,
  type TypedConsumerOptions,
  type DeadLetter,
} from './clients.ts';
export {
  KafkaPocError,
  KafkaArgumentError,
  MessageValidationError,
  KafkaServiceError,
  isKafkaPocError,
  describeKafkaError,
  type AnyKafkaPocError,
  type KafkaPocErrorCode,
} from './errors.ts';
