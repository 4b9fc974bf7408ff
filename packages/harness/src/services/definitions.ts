// One entry per service. Adding RabbitMQ, Kafka or toxiproxy means adding an entry here (and its
// local starter and pinned image); the provider order, sharing and private instances come for free.
import { IMAGES } from './images.ts';
import { startPinnedContainer, type DockerInstance } from './docker.ts';
import { postgresSettings, startLocalPostgres } from './local/postgres.ts';
import { startLocalRedis, type LocalProcessServer, type LocalRedisOptions } from './local/redis.ts';
import { probePostgres, redisVersion } from './probes.ts';

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
  /** URL protocols accepted in envVar, with an example for error messages. */
  readonly protocols: readonly string[];
  readonly example: string;
  /** One round trip to the server; resolves with its version. */
  probe(url: string): Promise<string>;
  startLocal(options?: ServerOptions): Promise<LocalProcessServer>;
  /** A container from the testcontainers module; resolves with its URL and a remover. */
  startDocker(): Promise<{ url: string; close(): Promise<void> }>;
  /** A container bound to a fixed host port, for private instances that restart. */
  startDockerPinned(options?: ServerOptions): Promise<{ url: string; instance: DockerInstance }>;
}

const settingsArgs = (durable: boolean): string[] => Object.entries(postgresSettings(durable)).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
const redisArgs = (options: ServerOptions): string[] => (options.config ?? []).flatMap(([k, v]) => [`--${k}`, v]);

export const redis: ServiceDefinition = {
  name: 'redis',
  envVar: 'POC_REDIS_URL',
  protocols: ['redis:', 'rediss:'],
  example: 'redis://127.0.0.1:6379',
  probe: (url) => redisVersion(url),
  startLocal: (options = {}) => startLocalRedis({ config: options.config }),
  async startDocker() {
    const { RedisContainer } = await import('@testcontainers/redis');
    const c = await new RedisContainer(IMAGES.redis).start();
    return { url: c.getConnectionUrl(), close: async () => void (await c.stop()) };
  },
  async startDockerPinned(options = {}) {
    const instance = await startPinnedContainer(IMAGES.redis, 6379, (c) => c.withCommand(['redis-server', ...redisArgs(options)]));
    return { url: `redis://127.0.0.1:${instance.port}`, instance };
  },
};

export const postgres: ServiceDefinition = {
  name: 'postgres',
  envVar: 'POC_POSTGRES_URL',
  protocols: ['postgres:', 'postgresql:'],
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
      c.withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' }).withCommand(['postgres', ...settingsArgs(options.durable ?? true)]),
    );
    return { url: `postgres://postgres@127.0.0.1:${instance.port}/postgres`, instance };
  },
};

export const SERVICES = { redis, postgres } as const;
export type ServiceName = keyof typeof SERVICES;
