// The public API of poc-rabbitmq-quorum-queues: a publisher with confirms and a consumer, each holding one
// connection to a node of a RabbitMQ cluster and moving to the next node when it dies. Nothing connects
// at import. The naive publisher (no confirms) is behind 'poc-rabbitmq-quorum-queues/naive'.
export {
  failoverPublisher,
  type ClusterPublisher,
  type PublisherOptions,
  type PublishResult,
  type PublisherStats,
} from './publisher.ts';
export {
  failoverConsumer,
  type FailoverConsumer,
  type ConsumerOptions,
  type ConsumerState,
  type ConsumerStats,
  type Delivery,
} from './consumer.ts';
export type { ClusterOptions, QueueSpec, QueueType } from './nodes.ts';
export {
  QuorumQueuesError,
  QuorumQueuesArgumentError,
  PublishNotConfirmedError,
  QueueUnavailableError,
  QuorumQueuesServiceError,
  isQuorumQueuesError,
  type AnyQuorumQueuesError,
  type QuorumQueuesErrorCode,
  type NotConfirmedReason,
  type NodeFailure,
} from './errors.ts';
