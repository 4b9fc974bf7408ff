// The public API of poc-rabbitmq-exchanges: a topology as data (declared on the broker, or routed in
// memory), the topic and headers matching rules as pure functions, and a publisher that reports returned
// messages. Nothing connects at import. The naive variants are behind 'poc-rabbitmq-exchanges/naive'.
export {
  declareTopology,
  route,
  checkTopology,
  type Topology,
  type ExchangeType,
  type ExchangeDeclaration,
  type QueueDeclaration,
  type BindingDeclaration,
  type Route,
} from './topology.ts';
export { topicMatches, topicWords, MAX_KEY_BYTES } from './topic.ts';
export { headersMatch, type HeadersBinding, type HeaderValue, type XMatch } from './headers.ts';
export {
  publisher,
  type Publisher,
  type PublisherOptions,
  type PublishOptions,
  type PublishOutcome,
  type PublisherStats,
  type ReturnedMessage,
} from './publisher.ts';
export {
  ExchangesError,
  ExchangesArgumentError,
  PublishNackedError,
  ExchangesServiceError,
  isExchangesError,
  type AnyExchangesError,
  type ExchangesErrorCode,
} from './errors.ts';
