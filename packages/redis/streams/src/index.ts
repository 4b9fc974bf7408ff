export {
  streamProducer,
  ensureGroup,
  consume,
  pendingSummary,
  readDeadLetters,
  type StreamEntry,
  type StreamProducer,
  type ProducerOptions,
  type ConsumeOptions,
  type ConsumeStats,
  type Handler,
  type DeadLetter,
} from './streams.ts';
export {
  StreamError,
  StreamArgumentError,
  StreamServiceError,
  isStreamError,
  type AnyStreamError,
  type StreamErrorCode,
} from './errors.ts';
