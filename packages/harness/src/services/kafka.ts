// Kafka for one suite: the shared broker, topics and consumer group ids nobody else uses, deleted on close().
import { Kafka, logLevel, type ITopicConfig, type KafkaConfig } from 'kafkajs';
import { eventually } from '../testing/eventually.ts';
import { uniqueName } from '../testing/names.ts';
import { HarnessArgumentError } from '../errors.ts';
import { javaAndJars, startLocalKafkaCluster } from './local/kafka.ts';
import { LocalPrivate, definition, serverFor, startPrivateServer } from './servers.ts';
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
  // Quiet: while a fresh broker loads its coordinator, KafkaJS logs each refused probe as an ERROR line
  // (into every demo's output); a real failure still reaches the caller as a thrown error.
  const admin = kafkaClient(server.url, { logLevel: logLevel.NOTHING }).admin();
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

/** One node of a private cluster: stop, kill and start it like any private server. */
export interface KafkaClusterNode extends PrivateServer {
  readonly nodeId: number;
  /** SIGSTOP to the node's whole process tree: it stops answering, its connections stay open. */
  freeze(): void;
  /** SIGCONT: the frozen node carries on. */
  thaw(): void;
}

/** A private multi-broker Kafka cluster, for replication and failover tests. Close it when done. */
export interface KafkaCluster extends AsyncDisposable {
  /** Every node's address, comma-separated (a client's bootstrap list; a stopped node is skipped). */
  readonly brokers: string;
  readonly clusterId: string;
  readonly version: string;
  readonly nodes: readonly KafkaClusterNode[];
  /** The node with this id (1..n). */
  node(id: number): KafkaClusterNode;
  /** A KafkaJS client bootstrapped from every node. */
  kafka(config?: Partial<KafkaConfig>): Kafka;
  /** The node that leads `topic`'s partition now, as the cluster's metadata says. */
  leaderOf(topic: string, partition?: number): Promise<KafkaClusterNode>;
  /** Stops every node and removes their files. Idempotent. */
  close(): Promise<void>;
}

/**
 * Kafka's own Java tools at the version the harness runs: `spawn(java, ['-cp', classpath,
 * 'org.apache.kafka.tools.ProducerPerformance', ...])`. Throws ServiceUnavailableError when Java or the jars
 * are missing (tooling/scripts/install-services.sh kafka installs both).
 */
export const kafkaJava = (): { java: string; classpath: string } => javaAndJars();

const MAX_BROKERS = 9;

/**
 * A Kafka of its own (for restart / kill tests). `privateKafka()` is one broker (a container when Docker
 * answers); `privateKafka({ brokers: 3 })` is a cluster of three combined broker+controller nodes on
 * loopback, each its own JVM and a controller voter (local processes on every provider: it needs Java
 * and the Kafka jars of tooling/scripts/install-services.sh). Internal topics get replication factor
 * min(3, n) and min ISR min(2, n); your topics set their own. Close it when done.
 */
export function privateKafka(): Promise<PrivateServer>;
export function privateKafka(options: { brokers: number }): Promise<KafkaCluster>;
export async function privateKafka(options?: { brokers: number }): Promise<PrivateServer | KafkaCluster> {
  if (options === undefined) return startPrivateServer('kafka');
  const n = options.brokers;
  if (!Number.isInteger(n) || n < 1 || n > MAX_BROKERS)
    throw new HarnessArgumentError(`brokers must be an integer from 1 to ${MAX_BROKERS} (got ${String(n)})`);
  const def = definition('kafka');
  const local = await startLocalKafkaCluster(n);
  const nodes = local.nodes.map((l) => Object.assign(new LocalPrivate(def, l), { nodeId: l.nodeId }));
  let closed = false;
  const cluster: KafkaCluster = {
    brokers: local.brokers,
    clusterId: local.clusterId,
    version: nodes[0]!.version,
    nodes,
    node(id) {
      const found = nodes.find((x) => x.nodeId === id);
      if (!found) throw new HarnessArgumentError(`no node ${id} in this cluster: nodes are 1..${nodes.length}`);
      return found;
    },
    kafka: (config) => kafkaClient(local.brokers, config),
    async leaderOf(topic, partition = 0) {
      const running = nodes.filter((x) => x.running);
      if (running.length === 0) throw new HarnessArgumentError('leaderOf(): every node of the cluster is stopped');
      const admin = kafkaClient(running.map((x) => x.url).join(','), { logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        const meta = await admin.fetchTopicMetadata({ topics: [topic] });
        const p = meta.topics[0]?.partitions.find((x) => x.partitionId === partition);
        if (!p || p.leader < 0) throw new Error(`${topic}[${partition}] has no leader now`);
        return cluster.node(p.leader);
      } finally {
        await admin.disconnect();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled(nodes.map((x) => x.close()));
      await local.dispose();
    },
    [Symbol.asyncDispose]: () => cluster.close(),
  };
  return cluster;
}
