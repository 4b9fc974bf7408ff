// One entry per service. Adding RabbitMQ, Kafka or toxiproxy means adding an entry here (and its
// local starter and pinned image); the provider order, sharing and private instances come for free.
import { startServiceContainer, type DockerInstance } from './docker.ts';
import type { ImageService } from './images.ts';
import { startLocalPostgres } from './local/postgres.ts';
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
  /** Extra settings after the base ones: redis.conf directives for Redis (e.g. [['appendonly', 'yes']]),
   * `-c name=value` settings for PostgreSQL (e.g. [['wal_level', 'logical']]). */
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
  /** A container with the shared server's settings, answering; resolves with its URL and a remover. */
  startDocker(): Promise<{ url: string; close(): Promise<void> }>;
  /** A container with a private server's settings, for instances that stop, kill and restart. */
  startDockerPinned(options?: ServerOptions): Promise<{ url: string; instance: DockerInstance }>;
}

/**
 * Docker side of a definition: a container of the service with the local provider's settings
 * (docker/settings.ts), published on 127.0.0.1 on a port it keeps across stop/start/kill. Shared servers
 * get the fast settings; private ones (options.durable defaults to true there) the durable ones.
 */
function dockerStarters(service: ImageService): Pick<ServiceDefinition, 'startDocker' | 'startDockerPinned'> {
  return {
    async startDocker() {
      const instance = await startServiceContainer(service, { durable: false });
      return { url: instance.url, close: () => instance.remove() };
    },
    async startDockerPinned(options = {}) {
      const instance = await startServiceContainer(service, {
        durable: options.durable ?? true,
        config: options.config,
      });
      return { url: instance.url, instance };
    },
  };
}

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
  ...dockerStarters('redis'),
};

export const postgres: ServiceDefinition = {
  name: 'postgres',
  envVar: 'POC_POSTGRES_URL',
  checkAddress: urlWith('postgres:', 'postgresql:'),
  example: 'postgres://postgres@127.0.0.1:5432/postgres',
  probe: (url) => probePostgres(url),
  startLocal: (options = {}) => startLocalPostgres({ durable: options.durable, config: options.config }),
  ...dockerStarters('postgres'),
};

export const rabbitmq: ServiceDefinition = {
  name: 'rabbitmq',
  envVar: 'POC_AMQP_URL',
  checkAddress: urlWith('amqp:', 'amqps:'),
  example: 'amqp://guest:guest@127.0.0.1:5672',
  probe: (url) => probeAmqp(url),
  startLocal: () => startLocalRabbitmq(),
  ...dockerStarters('rabbitmq'),
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
  ...dockerStarters('kafka'),
};

export const toxiproxy: ServiceDefinition = {
  name: 'toxiproxy',
  envVar: 'POC_TOXIPROXY_URL',
  checkAddress: urlWith('http:', 'https:'),
  example: 'http://127.0.0.1:8474',
  probe: (url) => probeToxiproxy(url),
  startLocal: () => startLocalToxiproxy(),
  // Host networking (Linux engines), so its proxies reach servers on the host's loopback; it listens on
  // 127.0.0.1 itself.
  ...dockerStarters('toxiproxy'),
};

export const SERVICES = { redis, postgres, rabbitmq, kafka, toxiproxy } as const;
export type ServiceName = keyof typeof SERVICES;
