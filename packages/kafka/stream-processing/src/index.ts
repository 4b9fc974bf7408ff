// The public API of poc-kafka-stream-processing. windowedCount() takes a KafkaJS client, its topics,
// its windows, a grace period and (optionally) a Clock; nothing connects until start(). The naive
// version is behind the subpath 'poc-kafka-stream-processing/naive'.
export { windowedCount } from './processor.ts';
export type {
  CommitInfo,
  ProcessorConsumerConfig,
  ProcessorHooks,
  ProcessorState,
  ProcessorStatus,
  RestoreSummary,
  WindowedCountOptions,
  WindowedCounter,
} from './runtime.ts';
export {
  hoppingWindow,
  tumblingWindow,
  stateId,
  type RejectedEvent,
  type Window,
  type WindowCount,
  type WindowResult,
  type WindowSpec,
} from './windows.ts';
export {
  processorTopics,
  readLatestByKey,
  scanTopic,
  type LatestRecord,
  type ScanOptions,
  type TopicRecord,
  type ProcessorTopics,
  type TopicSnapshot,
} from './changelog.ts';
export {
  StreamProcessingError,
  StreamProcessingArgumentError,
  StreamProcessingServiceError,
  StreamProcessingTopologyError,
  StreamProcessingFencedError,
  isStreamProcessingError,
  type AnyStreamProcessingError,
  type StreamProcessingErrorCode,
} from './errors.ts';
