// One entry per service. Adding RabbitMQ, Kafka or toxiproxy means adding an entry here (and its
// local starter and pinned image); the provider order, sharing and private instances come for free.
import { IMAGES } from './images.ts';
import { startPinned, startPinnedContainer, type DockerInstance } from './docker.ts';
import { postgresSettings, startLocalPostgres } from './local/postgres.ts';
import { startLocalRedis, type LocalRedisOptions } from './local/redis.ts';
import type { LocalProcessServer } from './local/start.ts';
import { startLocalKafka } from './local/kafka.ts';
import { startLocalRabbitmq } from './local/rabbitmq.ts';
import { startLocalToxiproxy } from './local/toxiproxy.ts';
import { probeAmqp, probeKafka, probePostgres, probeToxiproxy, redisVersion } from './probes.ts';

/** Options of a private server. Shared servers always use the defaults. */
export interface ServerOptions {
  /** PostgreSQL: keep default durability (fsync, synchronous_commit). Private servers set it. */
  durable?: boolean;
  /** Redis: extra redis.conf directives, e.g. [['appendonly', 'yes']]. */
  config?: LocalRedisOptions['config'];
}

export interface ServiceDefinition {
  readonly name: string;
  /** Environment variable holding an external (or run-wide shared) server's URL. */
  readonly envVar: string;
  /** An example value of envVar, for error messages. */
  readonly example: string;
  /** What is wrong with a value of envVar, or undefined when it is usable. */
  checkAddress(value: string): string | undefined;
  /** One round trip to the server; resolves with its version. */
  probe(url: string): Promise<string>;
  startLocal(options?: ServerOptions): Promise<LocalProcessServer>;
  /** A container from the testcontainers module; resolves with its URL and a remover. */
  startDocker(): Promise<{ url: string; close(): Promise<void> }>;
  /** A container bound to a fixed host port, for private instances that restart. */
  startDockerPinned(options?: ServerOptions): Promise<{ url: string; instance: DockerInstance }>;
}

const settingsArgs = (durable: boolean): string[] =>
  Object.entries(postgresSettings(durable)).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
const redisArgs = (options: ServerOptions): string[] => (options.config ?? []).flatMap(([k, v]) => [`--${k}`, v]);

/** Checks that a value is a URL with one of the given protocols. */
export function urlWith(...protocols: string[]): (value: string) => string | undefined {
  return (value) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return 'is not a URL';
    }
    return protocols.includes(url.protocol) ? undefined : `must use ${protocols.join(' or ')} (got "${url.protocol}")`;
  };
}

export const redis: ServiceDefinition = {
  name: 'redis',
  envVar: 'POC_REDIS_URL',
  checkAddress: urlWith('redis:', 'rediss:'),
  example: 'redis://127.0.0.1:6379',
  probe: (url) => redisVersion(url),
  startLocal: (options = {}) => startLocalRedis({ config: options.config }),
  async startDocker() {
    const { RedisContainer } = await import('@testcontainers/redis');
    const c = await new RedisContainer(IMAGES.redis).start();
    return { url: c.getConnectionUrl(), close: async () => void (await c.stop()) };
  },
  async startDockerPinned(options = {}) {
    const instance = await startPinnedContainer(IMAGES.redis, 6379, (c) =>
      c.withCommand(['redis-server', ...redisArgs(options)]),
    );
    return { url: `redis://127.0.0.1:${instance.port}`, instance };
  },
};

export const postgres: ServiceDefinition = {
  name: 'postgres',
  envVar: 'POC_POSTGRES_URL',
  checkAddress: urlWith('postgres:', 'postgresql:'),
  example: 'postgres://postgres@127.0.0.1:5432/postgres',
  probe: (url) => probePostgres(url),
  startLocal: (options = {}) => startLocalPostgres({ durable: options.durable }),
  async startDocker() {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const c = await new PostgreSqlContainer(IMAGES.postgres).withCommand(['postgres', ...settingsArgs(false)]).start();
    return { url: c.getConnectionUri(), close: async () => void (await c.stop()) };
  },
  async startDockerPinned(options = {}) {
    const instance = await startPinnedContainer(IMAGES.postgres, 5432, (c) =>
      c
        .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
        .withCommand(['postgres', ...settingsArgs(options.durable ?? true)]),
    );
    return { url: `postgres://postgres@127.0.0.1:${instance.port}/postgres`, instance };
  },
};

export const rabbitmq: ServiceDefinition = {
  name: 'rabbitmq',
  envVar: 'POC_AMQP_URL',
  checkAddress: urlWith('amqp:', 'amqps:'),
  example: 'amqp://guest:guest@127.0.0.1:5672',
  probe: (url) => probeAmqp(url),
  startLocal: () => startLocalRabbitmq(),
  async startDocker() {
    const { RabbitMQContainer } = await import('@testcontainers/rabbitmq');
    const c = await new RabbitMQContainer(IMAGES.rabbitmq).start();
    return { url: c.getAmqpUrl(), close: async () => void (await c.stop()) };
  },
  async startDockerPinned() {
    const instance = await startPinnedContainer(IMAGES.rabbitmq, 5672, (c) => c);
    return { url: `amqp://guest:guest@127.0.0.1:${instance.port}`, instance };
  },
};

/** POC_KAFKA_BROKERS is a comma-separated list of host:port, as Kafka clients take it. */
const brokerList = (value: string): string | undefined =>
  value.split(',').every((b) => /^[\w.-]+:\d{1,5}$/.test(b.trim()))
    ? undefined
    : 'must be a comma-separated list of host:port';

export const kafka: ServiceDefinition = {
  name: 'kafka',
  envVar: 'POC_KAFKA_BROKERS',
  checkAddress: brokerList,
  example: '127.0.0.1:9092',
  probe: (brokers) => probeKafka(brokers).then((b) => `version unknown (${b})`),
  startLocal: () => startLocalKafka(),
  async startDocker() {
    const { KafkaContainer } = await import('@testcontainers/kafka');
    const c = await new KafkaContainer(IMAGES.kafka).withKraft().start();
    return { url: `${c.getHost()}:${c.getMappedPort(9093)}`, close: async () => void (await c.stop()) };
  },
  async startDockerPinned() {
    // The module advertises its mapped port; binding that port to a fixed host port keeps it across restarts.
    const { KafkaContainer } = await import('@testcontainers/kafka');
    const instance = await startPinned(new KafkaContainer(IMAGES.kafka).withKraft(), 9093);
    return { url: `127.0.0.1:${instance.port}`, instance };
  },
};

export const toxiproxy: ServiceDefinition = {
  name: 'toxiproxy',
  envVar: 'POC_TOXIPROXY_URL',
  checkAddress: urlWith('http:', 'https:'),
  example: 'http://127.0.0.1:8474',
  probe: (url) => probeToxiproxy(url),
  startLocal: () => startLocalToxiproxy(),
  async startDocker() {
    // Host networking, so proxies can reach servers the harness runs on loopback (Linux engines).
    const { GenericContainer } = await import('testcontainers');
    const c = await new GenericContainer(IMAGES.toxiproxy).withNetworkMode('host').start();
    return { url: 'http://127.0.0.1:8474', close: async () => void (await c.stop()) };
  },
  async startDockerPinned() {
    const instance = await startPinnedContainer(IMAGES.toxiproxy, 8474, (c) => c);
    return { url: `http://127.0.0.1:${instance.port}`, instance };
  },
};

export const SERVICES = { redis, postgres, rabbitmq, kafka, toxiproxy } as const;
export type ServiceName = keyof typeof SERVICES;
