// The services API a POC uses. Provider plumbing (startServer, definitions, images) stays internal.
export { redisClient, redisNamespace, privateRedis, type RedisNamespace } from './redis.ts';
export { postgresDatabase, privatePostgres, type PostgresDatabase } from './postgres.ts';
export { provideServices, serverFor } from './servers.ts';
export {
  amqpNamespace,
  privateRabbitmq,
  privateRabbitmqCluster,
  type AmqpNamespace,
  type RabbitmqCluster,
  type RabbitmqClusterNode,
} from './rabbitmq.ts';
export {
  kafkaClient,
  kafkaJava,
  kafkaNamespace,
  privateKafka,
  type KafkaCluster,
  type KafkaClusterNode,
  type KafkaNamespace,
} from './kafka.ts';
export { proxyTo, type ProxiedServer } from './toxiproxy.ts';
export { startNginx, type NginxCacheOptions, type NginxOptions, type NginxServer } from './nginx.ts';
export { SERVICES, type ServiceName, type ServerOptions } from './definitions.ts';
export type { Server, PrivateServer, ProviderKind } from './types.ts';
export {
  HarnessError,
  HarnessArgumentError,
  HarnessTimeoutError,
  ServiceUnavailableError,
  WorkerProcessError,
  isHarnessError,
  type HarnessErrorCode,
} from '../errors.ts';
