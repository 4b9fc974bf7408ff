// The public API of poc-rabbitmq-publisher-confirms: a publisher that keeps every message until the broker
// answered for it (re-publishing after a reconnect), and three ways to wait for those answers. Nothing
// connects at import. The naive variant is behind the subpath 'poc-rabbitmq-publisher-confirms/naive'.
export {
  confirmPublisher,
  type Publisher,
  type ConfirmPublisherOptions,
  type ReconnectOptions,
  type Message,
  type Confirmed,
  type PublisherEvent,
  type PublisherState,
  type PublisherStats,
} from './publisher.ts';
export {
  publishEach,
  publishInBatches,
  publishStreaming,
  type PublishReport,
  type StrategyOptions,
} from './strategies.ts';
export {
  PublisherConfirmsError,
  PublisherConfirmsArgumentError,
  PublisherConfirmsServiceError,
  MessageRefusedError,
  MessageUnconfirmedError,
  isPublisherConfirmsError,
  type AnyPublisherConfirmsError,
  type PublisherConfirmsErrorCode,
  type RefusedReason,
  type UnconfirmedReason,
} from './errors.ts';
