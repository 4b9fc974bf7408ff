// Apache Kafka in KRaft mode as one combined broker+controller JVM (heap capped at 512 MB), from the
// Maven Central jars that tooling/scripts/install-services.sh puts in the cache. Storage is formatted
// once into a template (like initdb) and copied per start; readiness is an admin client's answer.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ServiceUnavailableError } from '../../errors.ts';
import { kafkaIdentity } from '../probes.ts';
import { findExecutable, missingBinaryHint } from './binaries.ts';
import { copyTree } from './postgres.ts';
import { ServerDir, cacheHome, stagingDir, waitUntilReady } from './processes.ts';
import {
  START_ATTEMPTS,
  diedOfTakenPort,
  requireIdentity,
  startLocalServer,
  type LocalProcessServer,
} from './start.ts';

const run = promisify(execFile);
/** A KRaft cluster id: 16 random bytes, base64url (22 characters), as kafka-storage random-uuid prints. */
const newClusterId = (): string => randomBytes(16).toString('base64url');

export const KAFKA_VERSION = '3.9.1';
const HEAP = '512m';

const kafkaHome = (): string => join(cacheHome(), `kafka-${KAFKA_VERSION}`);

/** One node of a KRaft quorum: its id and the two loopback ports it listens on. */
interface KafkaNode {
  id: number;
  port: number;
  controllerPort: number;
}

/**
 * A combined broker+controller node. `peers` are every node of the cluster (itself included): each is a
 * controller voter, so a cluster of three keeps a metadata quorum while one node is down. Internal
 * topics are replicated to min(3, nodes) with a min ISR of min(2, nodes), as a production cluster would.
 */
function properties(dataDir: string, node: KafkaNode, peers: readonly KafkaNode[]): string {
  const replication = Math.min(3, peers.length);
  const minIsr = Math.min(2, peers.length);
  return [
    'process.roles=broker,controller',
    `node.id=${node.id}`,
    `controller.quorum.voters=${peers.map((p) => `${p.id}@127.0.0.1:${p.controllerPort}`).join(',')}`,
    `listeners=PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${node.port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    `offsets.topic.replication.factor=${replication}`,
    'offsets.topic.num.partitions=4',
    `transaction.state.log.replication.factor=${replication}`,
    `transaction.state.log.min.isr=${minIsr}`,
    'transaction.state.log.num.partitions=4',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'delete.topic.enable=true',
    '',
  ].join('\n');
}

const LOG4J = [
  'log4j.rootLogger=WARN, stdout',
  'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
  'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
  '',
].join('\n');

/**
 * The `java` binary and the classpath of the Kafka jars the harness runs its brokers from: for Kafka's own
 * tools (kafka-console-producer, kafka-producer-perf-test) run against the same version. Throws
 * ServiceUnavailableError naming the install step when either is missing.
 */
export function javaAndJars(): { java: string; classpath: string } {
  const java = findExecutable('java');
  const libs = join(kafkaHome(), 'libs');
  if (!java || !existsSync(join(libs, `kafka_2.13-${KAFKA_VERSION}.jar`))) {
    throw new ServiceUnavailableError(
      missingBinaryHint(
        'Kafka',
        'POC_KAFKA_BROKERS',
        `openjdk-17-jre-headless + maven; Kafka ${KAFKA_VERSION} jars into ${libs}`,
      ),
    );
  }
  return { java, classpath: `${libs}/*` };
}

/** A formatted KRaft metadata directory, made once per version (formatting costs a JVM start). */
async function storageTemplate(java: string, classpath: string): Promise<string> {
  const template = join(kafkaHome(), 'storage-template');
  if (existsSync(join(template, 'meta.properties'))) return template;
  const staging = stagingDir();
  try {
    const data = join(staging, 'data');
    const node = { id: 1, port: 9092, controllerPort: 9093 };
    writeFileSync(join(staging, 'server.properties'), properties(data, node, [node]));
    writeFileSync(join(staging, 'log4j.properties'), LOG4J);
    const clusterId = newClusterId();
    await run(java, [
      '-Xmx256m',
      '-cp',
      classpath,
      `-Dlog4j.configuration=file:${join(staging, 'log4j.properties')}`,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      join(staging, 'server.properties'),
    ]).catch((e: { stderr?: string; stdout?: string }) => {
      throw new ServiceUnavailableError(`formatting Kafka storage failed:\n${e.stderr || e.stdout}`);
    });
    const partial = `${template}.${process.pid}.partial`;
    await copyTree(data, partial);
    await run('mv', ['-T', partial, template]).catch(() => rmSync(partial, { recursive: true, force: true }));
    return template;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Copies the formatted template into `data` as node `nodeId` of cluster `clusterId`: every copy would
 * otherwise share the template's cluster id, node id and directory id.
 */
async function storageFor(template: string, data: string, clusterId: string, nodeId: number): Promise<void> {
  await copyTree(template, data);
  const meta = join(data, 'meta.properties');
  writeFileSync(
    meta,
    readFileSync(meta, 'utf8')
      .replace(/^cluster\.id=.*$/m, `cluster.id=${clusterId}`)
      .replace(/^node\.id=.*$/m, `node.id=${nodeId}`)
      .replace(/^directory\.id=.*$/m, `directory.id=${newClusterId()}`),
  );
}

/** The JVM command line of one node whose files are in `dir`. */
function nodeCommand(java: string, classpath: string, dir: string): { command: string; args: string[] } {
  const args = [
    `-Xmx${HEAP}`,
    '-Xms128m',
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`,
    '-cp',
    classpath,
    'kafka.Kafka',
    join(dir, 'server.properties'),
  ];
  return { command: java, args };
}

/** Writes one node's data directory and configuration into `dir`. */
async function prepareNode(
  template: string,
  dir: string,
  clusterId: string,
  node: KafkaNode,
  peers: readonly KafkaNode[],
): Promise<void> {
  const data = join(dir, 'data');
  await storageFor(template, data, clusterId, node.id);
  writeFileSync(join(dir, 'server.properties'), properties(data, node, peers));
  writeFileSync(join(dir, 'log4j.properties'), LOG4J);
}

export async function startLocalKafka(): Promise<LocalProcessServer> {
  const { java, classpath } = javaAndJars();
  const template = await storageTemplate(java, classpath);
  let clusterId = '';
  return startLocalServer({
    service: 'kafka',
    ports: 2,
    timeoutMs: 90_000,
    async prepare(dir, [port, controllerPort]) {
      // A fresh cluster id per server is its identity.
      clusterId = newClusterId();
      const node = { id: 1, port: port!, controllerPort: controllerPort! };
      await prepareNode(template, dir.path, clusterId, node, [node]);
      return {
        url: `127.0.0.1:${port}`,
        what: `Kafka on port ${port}`,
        command: nodeCommand(java, classpath, dir.path),
      };
    },
    async probe(brokers) {
      const id = await kafkaIdentity(brokers);
      requireIdentity('cluster id', clusterId, id.clusterId);
      return KAFKA_VERSION;
    },
  });
}

/** One node of a local cluster: a process of its own that can be stopped, killed and started again. */
export interface LocalKafkaNode extends LocalProcessServer {
  readonly nodeId: number;
}

export interface LocalKafkaCluster {
  readonly clusterId: string;
  /** Every node's address, comma-separated: a client's bootstrap list. */
  readonly brokers: string;
  readonly nodes: readonly LocalKafkaNode[];
  dispose(): Promise<void>;
}

/**
 * `count` combined broker+controller nodes on loopback, one JVM each, every node a controller voter.
 * A node's probe checks the cluster id (the answer is ours) and that the node itself is registered;
 * the cluster is ready when every node sees all `count` brokers.
 */
export async function startLocalKafkaCluster(count: number): Promise<LocalKafkaCluster> {
  const { java, classpath } = javaAndJars();
  const template = await storageTemplate(java, classpath);
  for (let attempt = 1; ; attempt++) {
    const dirs = Array.from({ length: count }, (_, i) => new ServerDir(`kafka-node${i + 1}`));
    const dispose = async (): Promise<void> => void (await Promise.allSettled(dirs.map((d) => d.dispose())));
    try {
      const clusterId = newClusterId();
      const peers: KafkaNode[] = [];
      for (const [i, dir] of dirs.entries()) {
        const [port, controllerPort] = await dir.reservePorts(2);
        peers.push({ id: i + 1, port: port!, controllerPort: controllerPort! });
      }
      const nodes = dirs.map((dir, i): LocalKafkaNode => {
        const node = peers[i]!;
        const url = `127.0.0.1:${node.port}`;
        const what = `Kafka node ${node.id} of ${count} on port ${node.port}`;
        const { command, args } = nodeCommand(java, classpath, dir.path);
        return {
          nodeId: node.id,
          url,
          version: KAFKA_VERSION,
          port: node.port,
          dir,
          async launch() {
            dir.spawn(command, args);
            await waitUntilReady(
              dir,
              what,
              async () => {
                const id = await kafkaIdentity(url);
                requireIdentity('cluster id', clusterId, id.clusterId);
                if (!id.nodeIds.includes(node.id)) throw new Error(`node ${node.id} is not registered yet`);
              },
              90_000,
            );
          },
        };
      });
      for (const [i, dir] of dirs.entries()) await prepareNode(template, dir.path, clusterId, peers[i]!, peers);
      // All at once: a node's controller waits for a majority of voters before its broker can register.
      await Promise.all(nodes.map((n) => n.launch()));
      const brokers = nodes.map((n) => n.url).join(',');
      await waitUntilReady(
        dirs[0]!,
        `Kafka cluster of ${count}`,
        async () => {
          // Ask every node, not the bootstrap list: a client may land on any of them, and a node's
          // metadata can lag the controller's by a moment after the last broker registers.
          for (const n of nodes) {
            const id = await kafkaIdentity(n.url);
            if (id.brokers !== count) throw new Error(`node ${n.nodeId} sees ${id.brokers} of ${count} brokers`);
          }
        },
        60_000,
      );
      return { clusterId, brokers, nodes, dispose };
    } catch (e) {
      await dispose();
      if (attempt < START_ATTEMPTS && diedOfTakenPort(e)) continue;
      throw e;
    }
  }
}
