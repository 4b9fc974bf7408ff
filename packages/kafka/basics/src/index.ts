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
  type Acks,
  type TypedProducer,
  type TypedProducerOptions,
  type OutgoingMessage,
} from './producer.ts';
export {
  runTypedConsumer,
  DEAD_LETTER_HEADERS,
  type IncomingMessage,
  type TypedConsumerOptions,
  type DeadLetter,
  type ConsumerCrash,
} from './consumer.ts';
export { redirectingSocketFactory } from './socket.ts';
export {
  KafkaPocError,
  KafkaArgumentError,
  MessageValidationError,
  KafkaServiceError,
  KafkaHandlerError,
  isKafkaPocError,
  describeKafkaError,
  type AnyKafkaPocError,
  type KafkaPocErrorCode,
} from './errors.ts';
