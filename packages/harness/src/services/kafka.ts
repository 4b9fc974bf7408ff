// Kafka for one suite: the shared broker, topics and consumer group ids nobody else uses, deleted on close().
import { Kafka, logLevel, type ITopicConfig, type KafkaConfig } from 'kafkajs';
import { eventually } from '../testing/eventually.ts';
import { uniqueName } from '../testing/names.ts';
import { serverFor, startPrivateServer } from './servers.ts';
import type { PrivateServer } from './types.ts';

/** A KafkaJS client with quiet logs and bounded retries, so a dead broker surfaces as an error. */
export function kafkaClient(brokers: string, config: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId: 'poc',
    brokers: brokers.split(','),
    connectionTimeout: 3_000,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2_000 },
    logLevel: logLevel.ERROR,
    ...config,
  });
}

export interface KafkaNamespace extends AsyncDisposable {
  readonly brokers: string;
  readonly prefix: string;
  /** A topic name unique to this suite; deleted on close() if it was created. */
  topic(base: string): string;
  /** A consumer group id unique to this suite. */
  groupId(base: string): string;
  /** A KafkaJS client on the shared broker. Disconnect producers/consumers you make from it. */
  kafka(config?: Partial<KafkaConfig>): Kafka;
  /** Creates topics (names from topic()) and waits for their leaders. */
  createTopics(topics: ITopicConfig[]): Promise<void>;
  /** Deletes the suite's topics. Idempotent. */
  close(): Promise<void>;
}

const coordinatorReady = new Map<string, Promise<void>>();

/**
 * On a fresh broker the group coordinator answers only once Kafka has created __consumer_offsets; until
 * then group joins fail and KafkaJS backs off for longer than a test waits. Wait for it once per broker.
 */
function waitForCoordinator(brokers: string, admin: ReturnType<Kafka['admin']>): Promise<void> {
  let ready = coordinatorReady.get(brokers);
  if (!ready) {
    ready = eventually(() => admin.describeGroups(['poc-harness-coordinator-probe']).then(() => true), {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: 'Kafka group coordinator',
    }).then(() => undefined);
    coordinatorReady.set(brokers, ready);
    ready.catch(() => coordinatorReady.delete(brokers));
  }
  return ready;
}

export async function kafkaNamespace(options: { name?: string } = {}): Promise<KafkaNamespace> {
  const server = await serverFor('kafka');
  const prefix = uniqueName(options.name ?? 't');
  const topics = new Set<string>();
  const admin = kafkaClient(server.url).admin();
  await admin.connect();
  await waitForCoordinator(server.url, admin);
  let closed = false;
  const ns: KafkaNamespace = {
    brokers: server.url,
    prefix,
    topic: (base) => `${prefix}.${base}`,
    groupId: (base) => `${prefix}.${base}`,
    kafka: (config) => kafkaClient(server.url, config),
    async createTopics(specs) {
      for (const s of specs) topics.add(s.topic);
      // KafkaJS's own waitForLeaders let a retriable UNKNOWN_TOPIC_OR_PARTITION escape as an unhandled
      // rejection here (it crashed the harness bench), so poll the metadata ourselves.
      await admin.createTopics({
        topics: specs.map((s) => ({ numPartitions: 1, replicationFactor: 1, ...s })),
        waitForLeaders: false,
      });
      const names = specs.map((s) => s.topic);
      await eventually(
        async () => {
          const meta = await admin.fetchTopicMetadata({ topics: names });
          return (
            meta.topics.length === names.length &&
            meta.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))
          );
        },
        { timeoutMs: 30_000, intervalMs: 20, what: `leaders for topics ${names.join(', ')}` },
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        if (topics.size > 0) await admin.deleteTopics({ topics: [...topics], timeout: 10_000 });
      } finally {
        await admin.disconnect();
      }
    },
    [Symbol.asyncDispose]: () => ns.close(),
  };
  return ns;
}

/** A Kafka broker of its own (for restart / kill tests). Close it when done. */
export const privateKafka = (): Promise<PrivateServer> => startPrivateServer('kafka');
