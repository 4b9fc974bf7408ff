export {
  streamProducer,
  ensureGroup,
  consume,
  pendingSummary,
  readDeadLetters,
  systemClock,
  type StreamEntry,
  type StreamProducer,
  type ProducerOptions,
  type ConsumeOptions,
  type ConsumeStats,
  type Handler,
  type DeadLetter,
  type Clock,
} from './streams.ts';
export { consumeWithoutAck, type NaiveConsumeOptions } from './naive-consumer.ts';
export {
  StreamError,
  StreamArgumentError,
  StreamServiceError,
  isStreamError,
  isStreamArgumentError,
  isStreamServiceError,
  type StreamErrorCode,
} from './errors.ts';
