// The public API of poc-rabbitmq-prefetch-tuning: tunedConsumer() (prefetch and concurrency explicit, ack
// after the handler, time spent prefetched reported per delivery), measureDrain() (one point of the
// throughput/latency curve against the real broker) and recommendPrefetch() (the knee of a measured curve).
// Nothing connects at import. The naive consumer (unlimited prefetch) is behind 'poc-rabbitmq-prefetch-tuning/naive'.
export {
  tunedConsumer,
  type TunedConsumer,
  type ConsumerOptions,
  type ConsumerStats,
  type Delivery,
} from './consumer.ts';
export { measureDrain, recommendPrefetch, type DrainOptions, type DrainResult, type CurvePoint } from './measure.ts';
export {
  PrefetchTuningError,
  PrefetchTuningArgumentError,
  PrefetchTuningServiceError,
  isPrefetchTuningError,
  type AnyPrefetchTuningError,
  type PrefetchTuningErrorCode,
} from './errors.ts';
