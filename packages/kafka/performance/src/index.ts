// The public API of poc-kafka-performance: a batching producer for KafkaJS (Java's batch.size and
// linger.ms, which KafkaJS lacks), the compression codecs KafkaJS leaves to plug-ins, and Kafka's own
// producer perf tool as a yardstick. Nothing connects at import. The naive producer (one send() per
// message) is behind the subpath 'poc-kafka-performance/naive'.
export {
  batchingProducer,
  messageBytes,
  type Acks,
  type BatchingOptions,
  type BatchingProducer,
  type ProducerStats,
} from './batching.ts';
export {
  registerCodecs,
  codecMissing,
  compressionType,
  zstdUnavailable,
  lz4Codec,
  COMPRESSIONS,
  type Compression,
  type KafkaCodec,
} from './codecs.ts';
export {
  producerPerfTest,
  parsePerfSummary,
  kafkaTools,
  type PerfSummary,
  type PerfTestOptions,
  type KafkaTools,
} from './perf-tool.ts';
export {
  PerformanceError,
  PerformanceArgumentError,
  PerformanceServiceError,
  PerformanceToolError,
  isPerformanceError,
  type AnyPerformanceError,
  type PerformanceErrorCode,
} from './errors.ts';
