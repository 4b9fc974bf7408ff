export { redisClient, redisNamespace, privateRedis, type RedisNamespace } from './redis.ts';
export {
  postgresDatabase,
  privatePostgres,
  withDatabase,
  createDatabase,
  dropDatabase,
  type PostgresDatabase,
} from './postgres.ts';
export {
  provideServices,
  serverFor,
  startServer,
  startPrivateServer,
  providerFor,
  definition,
  redact,
  type ServiceSession,
  type Log,
} from './servers.ts';
export { amqpNamespace, privateRabbitmq, type AmqpNamespace } from './rabbitmq.ts';
export { kafkaClient, kafkaNamespace, privateKafka, type KafkaNamespace } from './kafka.ts';
export { proxyTo, type ProxiedServer } from './toxiproxy.ts';
export { startNginx, type NginxOptions, type NginxServer } from './nginx.ts';
export { SERVICES, type ServiceName, type ServiceDefinition, type ServerOptions } from './definitions.ts';
export { IMAGES } from './images.ts';
export { dockerAvailable } from './docker.ts';
export type { Server, PrivateServer, ProviderKind } from './types.ts';
export { HarnessError, HarnessArgumentError, ServiceUnavailableError, isHarnessError } from '../errors.ts';
