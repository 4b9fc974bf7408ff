// The public API of poc-kafka-partition-keys: key strategies (and the partition a key maps to), a producer
// that keeps each key's order, per-partition load and lag, and a safe way to add partitions. Nothing
// connects at import. The naive variant is behind the subpath 'poc-kafka-partition-keys/naive'.
export {
  partitionFor,
  keyBy,
  saltedKey,
  reaggregate,
  SALT_SEPARATOR,
  type KeyStrategy,
  type SaltOptions,
} from './keys.ts';
export { keyedProducer, type KeyedProducer, type KeyedProducerOptions } from './producer.ts';
export {
  topicLoad,
  movedKeys,
  expectedMovedFraction,
  minimumMovedFraction,
  growPartitions,
  type TopicLoad,
  type PartitionState,
  type KeyMoves,
  type GrowOptions,
  type GrowResult,
} from './partitions.ts';
export {
  PartitionKeysError,
  PartitionKeysArgumentError,
  PartitionKeysServiceError,
  PartitionKeysNotSentError,
  PartitionsNotDrainedError,
  isPartitionKeysError,
  type AnyPartitionKeysError,
  type PartitionKeysErrorCode,
} from './errors.ts';
