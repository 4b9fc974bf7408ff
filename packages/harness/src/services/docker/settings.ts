// What each server runs with inside a container: the same settings the local provider starts it with,
// taken from the same source wherever the local starter exports it (REDIS_BASE_CONFIG, postgresSettings). Only addresses differ: a server in a container listens on the container's interfaces
// and Docker publishes its port on the host's 127.0.0.1. test/docker.test.ts checks, per service, that a
// running server of either provider reports these settings.
//
// The commands run unchanged on the pinned official images and on the images tooling/docker/build-images.sh
// builds (same paths, users and entrypoint conventions), so a POC_<SERVICE>_IMAGE of either kind works.
import { randomBytes } from 'node:crypto';
import { postgresSettings } from '../local/postgres.ts';
import { amqpUrl, amqpUserConfig, newAmqpPassword } from '../local/rabbitmq.ts';
import { REDIS_AUTH_CONF, REDIS_BASE_CONFIG, redisUrl } from '../local/redis.ts';
import { probeAmqp, probeKafka, probePostgres, probeToxiproxy, redisVersion } from '../probes.ts';
import type { ImageService } from '../images.ts';

export interface ContainerSpec {
  /**
   * How the server is reached: a container port published on 127.0.0.1:<hostPort>, or the host's network
   * (toxiproxy and nginx reach servers on the host's loopback; they listen on 127.0.0.1 themselves).
   */
  network: { publish: number } | 'host';
  entrypoint?: string[];
  command: string[];
  env?: Record<string, string>;
  /** Files written into the container before it starts (readable by every user). */
  files?: Array<{ target: string; content: string; mode?: number }>;
  /** Numeric user:group to run as, when the image's default is not wanted. */
  user?: string;
  url: string;
  /** One round trip; resolves with the server's version. */
  probe(url: string): Promise<string>;
  /** Readiness deadline (default 60 s). */
  readyTimeoutMs?: number;
}

export interface SpecOptions {
  /** PostgreSQL: default durability (private servers) instead of the shared server's fast settings. */
  durable?: boolean;
  /** A test's own settings, after the base ones: redis.conf directives, or PostgreSQL `-c` settings. */
  config?: Array<[string, string]>;
}

const flags = (pairs: ReadonlyArray<readonly [string, string]>): string[] => pairs.flatMap(([k, v]) => [`--${k}`, v]);

/** initdb's arguments in both providers (local/postgres.ts runs initdb with the same). */
export const POSTGRES_INITDB_ARGS = '--encoding=UTF8 --locale=C';

/**
 * RabbitMQ's configuration (local/rabbitmq.ts writes the same lines, with its loopback listener).
 * loopback_users = none: connections through Docker's port publishing arrive from the bridge, not loopback.
 */
export const rabbitmqConfig = (listener: string, password: string): string =>
  [
    `listeners.tcp.default = ${listener}`,
    ...amqpUserConfig(password),
    'loopback_users = none',
    'log.console = true',
    'log.console.level = warning',
    'log.file = false',
    '',
  ].join('\n');

/** Erlang distribution and epmd on loopback only, as for local nodes (here: the container's loopback). */
const ERL_LOOPBACK = '-kernel inet_dist_use_interface {127,0,0,1}';

/**
 * Kafka broker settings besides addresses and paths (local/kafka.ts's properties() has the same lines).
 * Topics are never auto-created; small internal topics keep a single broker quick.
 */
export const KAFKA_SETTINGS: Record<string, string> = {
  'process.roles': 'broker,controller',
  'node.id': '1',
  'controller.listener.names': 'CONTROLLER',
  'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
  'inter.broker.listener.name': 'PLAINTEXT',
  'num.partitions': '1',
  'offsets.topic.replication.factor': '1',
  'offsets.topic.num.partitions': '4',
  'transaction.state.log.replication.factor': '1',
  'transaction.state.log.min.isr': '1',
  'transaction.state.log.num.partitions': '4',
  'group.initial.rebalance.delay.ms': '0',
  'auto.create.topics.enable': 'false',
  'delete.topic.enable': 'true',
};

/** The JVM options of the local provider's broker (heap capped at 512 MB). */
export const KAFKA_JVM = ['-Xmx512m', '-Xms128m', '-XX:+UseG1GC', '-Djava.awt.headless=true'];

export const KAFKA_LOG4J = [
  'log4j.rootLogger=WARN, stdout',
  'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
  'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
  '',
].join('\n');

/** A KRaft cluster id: 16 random bytes, base64url. */
const newClusterId = (): string => randomBytes(16).toString('base64url');

const KAFKA_DIR = '/tmp/poc-kafka';

/**
 * Formats storage on the first start only (a restart keeps the data directory): from the image's
 * pre-formatted template when it has one (the local build does, like the local provider's template),
 * else with Kafka's StorageTool. Then runs the broker in the foreground as PID 1.
 */
const KAFKA_START = `set -eu
dir=${KAFKA_DIR}
data=/tmp/kafka-data
libs=/opt/kafka/libs
log4j="-Dlog4j.configuration=file:$dir/log4j.properties"
java=$(command -v java || echo "\${JAVA_HOME:-/opt/java/openjdk}/bin/java")
if [ ! -f "$data/meta.properties" ]; then
  if [ -f /opt/kafka/storage-template/meta.properties ]; then
    cp -R /opt/kafka/storage-template "$data"
    sed -i "s/^cluster\\.id=.*/cluster.id=$POC_KAFKA_CLUSTER_ID/" "$data/meta.properties"
  else
    "$java" -Xmx256m "$log4j" -cp "$libs/*" kafka.tools.StorageTool format -t "$POC_KAFKA_CLUSTER_ID" -c "$dir/server.properties"
  fi
fi
exec "$java" ${KAFKA_JVM.join(' ')} "$log4j" -cp "$libs/*" kafka.Kafka "$dir/server.properties"
`;

function kafkaProperties(port: number): string {
  const lines = Object.entries(KAFKA_SETTINGS).map(([k, v]) => `${k}=${v}`);
  return [
    ...lines,
    'controller.quorum.voters=1@127.0.0.1:9093',
    // Inside the container the broker listens on every interface, on the same port number Docker
    // publishes on the host's 127.0.0.1, so the address it advertises works from both sides.
    `listeners=PLAINTEXT://0.0.0.0:${port},CONTROLLER://127.0.0.1:9093`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'log.dirs=/tmp/kafka-data',
    '',
  ].join('\n');
}

/** The container that runs `service` with its host port `port`. */
export function containerSpec(service: ImageService, port: number, options: SpecOptions = {}): ContainerSpec {
  switch (service) {
    case 'redis':
      return {
        network: { publish: 6379 },
        command: [
          'redis-server',
          '/tmp/poc-redis/auth.conf',
          ...['--port', '6379', '--bind', '0.0.0.0', '--dir', '/data'],
          ...flags(REDIS_BASE_CONFIG),
          ...flags(options.config ?? []),
        ],
        files: [{ target: '/tmp/poc-redis/auth.conf', content: REDIS_AUTH_CONF }],
        url: redisUrl(port),
        probe: (url) => redisVersion(url),
      };
    case 'postgres': {
      const password = randomBytes(24).toString('hex');
      return {
        network: { publish: 5432 },
        command: [
          'postgres',
          ...['-c', 'listen_addresses=*'],
          ...[...Object.entries(postgresSettings(options.durable ?? false)), ...(options.config ?? [])].flatMap(
            ([k, v]) => ['-c', `${k}=${v}`],
          ),
        ],
        // The official image's entrypoint conventions; tooling/docker/postgres follows them too.
        // A random password per container, required on TCP (scram-sha-256), as the local provider does.
        env: { POSTGRES_HOST_AUTH_METHOD: 'scram-sha-256', POSTGRES_PASSWORD: password, POSTGRES_INITDB_ARGS },
        url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
        probe: (url) => probePostgres(url),
      };
    }
    case 'rabbitmq': {
      const password = newAmqpPassword();
      return {
        network: { publish: 5672 },
        command: ['rabbitmq-server'],
        env: {
          RABBITMQ_NODENAME: 'rabbit@localhost',
          RABBITMQ_CONFIG_FILE: '/tmp/poc-rabbitmq/rabbitmq.conf',
          RABBITMQ_ENABLED_PLUGINS_FILE: '/tmp/poc-rabbitmq/enabled_plugins',
          RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: ERL_LOOPBACK,
          RABBITMQ_CTL_ERL_ARGS: ERL_LOOPBACK,
          ERL_EPMD_ADDRESS: '127.0.0.1',
        },
        files: [
          { target: '/tmp/poc-rabbitmq/rabbitmq.conf', content: rabbitmqConfig('5672', password) },
          { target: '/tmp/poc-rabbitmq/enabled_plugins', content: '[].\n' },
        ],
        url: amqpUrl(port, password),
        probe: (url) => probeAmqp(url),
        readyTimeoutMs: 90_000,
      };
    }
    case 'kafka':
      return {
        network: { publish: port },
        entrypoint: ['sh', `${KAFKA_DIR}/start.sh`],
        command: [],
        env: { POC_KAFKA_CLUSTER_ID: newClusterId() },
        files: [
          { target: `${KAFKA_DIR}/start.sh`, content: KAFKA_START },
          { target: `${KAFKA_DIR}/server.properties`, content: kafkaProperties(port) },
          { target: `${KAFKA_DIR}/log4j.properties`, content: KAFKA_LOG4J },
        ],
        url: `127.0.0.1:${port}`,
        probe: (brokers) => probeKafka(brokers),
        readyTimeoutMs: 120_000,
      };
    case 'toxiproxy':
      // Both images' entrypoint is the server; only its arguments are given.
      return {
        network: 'host',
        command: ['-host', '127.0.0.1', '-port', String(port)],
        url: `http://127.0.0.1:${port}`,
        probe: (url) => probeToxiproxy(url),
      };
    case 'nginx':
      throw new Error('nginx containers are made by startNginx (nginx.ts), which owns their configuration');
  }
}
