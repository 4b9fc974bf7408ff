// The public API of poc-kafka-exactly-once: the transactional processor, the reader that counts what
// downstream consumers see, and the errors. The naive variants (at-least-once, and transactions without
// fencing) are behind the subpath 'poc-kafka-exactly-once/naive'. Nothing connects at import.
export { exactlyOnceProcessor, transactionalIdFor } from './exactly-once.ts';
export type {
  Processor,
  ProcessorOptions,
  ProcessorState,
  ProcessorCrash,
  Chunk,
  InputMessage,
  Transform,
  ConsumerTuning,
} from './options.ts';
export { readTopic, countCopies, caughtUp, type Isolation, type ReadOptions, type ReadMessage } from './read.ts';
export {
  ExactlyOnceError,
  ExactlyOnceArgumentError,
  ExactlyOnceServiceError,
  ExactlyOnceTransformError,
  ExactlyOnceFencedError,
  isExactlyOnceError,
  type AnyExactlyOnceError,
  type ExactlyOnceErrorCode,
} from './errors.ts';
