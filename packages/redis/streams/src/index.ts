export {
  streamProducer,
  ensureGroup,
  pendingSummary,
  readDeadLetters,
  type StreamEntry,
  type StreamProducer,
  type ProducerOptions,
  type Handler,
  type DeadLetter,
} from './streams.ts';
export { consume, type ConsumeOptions, type ConsumeStats } from './consume.ts';
export {
  StreamError,
  StreamArgumentError,
  StreamServiceError,
  isStreamError,
  type AnyStreamError,
  type StreamErrorCode,
} from './errors.ts';
