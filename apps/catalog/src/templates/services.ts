// What a generated package needs to know about each service the harness provides: its client library
// (pinned at the version the harness pins), how code names and recognises the client, how a test gets
// one for its own namespace, and how a fault test gets one on a private server it can kill.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ServiceName } from '@poc/harness/services';
import type { Imports } from './layout.ts';

export interface ClientTemplate {
  service: ServiceName;
  /** npm package of the client, and of its types when they ship separately. */
  dependency: string;
  types?: string;
  /** Parameter and variable name of the client, and its type as code writes it. */
  param: string;
  type: string;
  importType(imports: Imports): void;
  /** Methods that recognise a client without importing its class, and the rule its check states. */
  methods: readonly string[];
  rule: string;
  /** The errors.ts wrapper around its calls: redisCall, postgresCall, ... */
  serviceCall: string;
  /** The suite's isolation on the shared server (harness): variable, type, factory, and a client of it. */
  namespace: { variable: string; type: string; create: string; client: string; what: string };
  /** A server of the test's own (harness), and the statements that open a client on it with cleanup. */
  privateServer: string;
  privateClient(imports: Imports): string[];
  /** What a fault test must set for "nothing acknowledged is lost" to hold (the TODO it opens with). */
  durability: string;
}

const ignoreErrors = (v: string, what: string): string => `${v}.on('error', () => {}); // ${what}`;

/** The services the generator knows, keyed by the harness's own names, so a new harness service needs one here. */
export const SERVICE_TEMPLATES: Record<ServiceName, ClientTemplate | undefined> = {
  redis: {
    service: 'redis',
    dependency: 'ioredis',
    param: 'redis',
    type: 'Redis',
    importType: (i) => void i.type('ioredis', 'Redis'),
    methods: ['evalsha', 'duplicate'],
    rule: 'must be an ioredis client',
    serviceCall: 'redisCall',
    namespace: {
      variable: 'redisNs',
      type: 'RedisNamespace',
      create: 'redisNamespace',
      client: 'redisNs.client()',
      what: 'a key prefix of its own',
    },
    privateServer: 'privateRedis',
    durability: `none by default; privateRedis({ config: [['appendonly', 'yes'], ['appendfsync', 'always']] })`,
    privateClient: (i) => {
      i.value('@poc/harness', 'redisClient');
      return [
        'const redis = redisClient(server.url);',
        ignoreErrors('redis', 'errors while the server is down are expected; commands report them'),
        'onTestFinished(() => void redis.disconnect());',
      ];
    },
  },
  postgres: {
    service: 'postgres',
    dependency: 'pg',
    types: '@types/pg',
    param: 'pool',
    type: 'pg.Pool',
    importType: (i) => void i.defaultImport('pg', 'pg', { type: true }),
    methods: ['query', 'connect'],
    rule: 'must be a pg.Pool',
    serviceCall: 'postgresCall',
    namespace: {
      variable: 'db',
      type: 'PostgresDatabase',
      create: 'postgresDatabase',
      client: 'db.pool()',
      what: 'a database of its own',
    },
    privateServer: 'privatePostgres',
    durability: 'privatePostgres() keeps the defaults (fsync, synchronous_commit on): say what it relies on',
    privateClient: (i) => {
      i.defaultImport('pg', 'pg', { type: false });
      return [
        'const pool = new pg.Pool({ connectionString: server.url, connectionTimeoutMillis: 5_000 });',
        ignoreErrors('pool', 'an idle connection dropped by the kill is expected; queries report it'),
        'onTestFinished(() => pool.end());',
      ];
    },
  },
  rabbitmq: {
    service: 'rabbitmq',
    dependency: 'amqplib',
    types: '@types/amqplib',
    param: 'connection',
    type: 'ChannelModel',
    importType: (i) => void i.type('amqplib', 'ChannelModel'),
    methods: ['createChannel', 'createConfirmChannel'],
    rule: 'must be an amqplib connection (what amqplib.connect() resolves with)',
    serviceCall: 'rabbitmqCall',
    namespace: {
      variable: 'amqpNs',
      type: 'AmqpNamespace',
      create: 'amqpNamespace',
      client: 'await amqpNs.connect()',
      what: 'queue and exchange names of its own',
    },
    privateServer: 'privateRabbitmq',
    durability: 'durable queues, persistent messages, publisher confirms; or a kill loses what was "sent"',
    privateClient: (i) => {
      i.defaultImport('amqplib', 'amqp', { type: false });
      return [
        'const connection = await amqp.connect(server.url);',
        ignoreErrors('connection', 'the kill closes it; calls report that'),
        'onTestFinished(() => connection.close().catch(() => {}));',
      ];
    },
  },
  kafka: {
    service: 'kafka',
    dependency: 'kafkajs',
    param: 'kafka',
    type: 'Kafka',
    importType: (i) => void i.type('kafkajs', 'Kafka'),
    methods: ['producer', 'consumer', 'admin'],
    rule: 'must be a KafkaJS client (new Kafka(...))',
    serviceCall: 'kafkaCall',
    namespace: {
      variable: 'kafkaNs',
      type: 'KafkaNamespace',
      create: 'kafkaNamespace',
      client: 'kafkaNs.kafka()',
      what: 'topics and group ids of its own',
    },
    privateServer: 'privateKafka',
    durability: 'acks: -1 (all in-sync replicas) on the producer, or a kill loses what was "sent"',
    privateClient: (i) => {
      i.value('@poc/harness', 'kafkaClient');
      return ['const kafka = kafkaClient(server.url); // disconnect the producers and consumers made from it'];
    },
  },
  // A proxy in front of another service (proxyTo from @poc/harness), not a client of its own.
  toxiproxy: undefined,
};

export const KNOWN_SERVICES = Object.keys(SERVICE_TEMPLATES) as ServiceName[];

export const isKnownService = (s: string): s is ServiceName => Object.hasOwn(SERVICE_TEMPLATES, s);

// The harness connects to every service, so it pins every client library; a generated POC pins the same.
const harnessPackage = join(dirname(createRequire(import.meta.url).resolve('@poc/harness')), '..', 'package.json');

/** The versions the harness pins, e.g. { ioredis: '5.11.1', pg: '8.23.1', '@types/pg': '8.23.1', ... }. */
export function harnessVersions(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(harnessPackage, 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  return { ...pkg.devDependencies, ...pkg.dependencies };
}
