// rabbitmq-server as a throwaway node (or a cluster of them): its own node name, AMQP, distribution and epmd ports, data
// directory and Erlang cookie; no plugins (so no management UI). Readiness: an AMQP connection to a
// broker whose cluster name is this node's.
//
// Security: an Erlang cookie grants remote code execution as the user running the tests, so the cookie
// is 32 random bytes per node (never derived from ports), Erlang distribution listens on 127.0.0.1
// only, and each node gets its own epmd bound to 127.0.0.1 on a reserved port, killed when the node
// stops (a shared epmd on 0.0.0.0:4369 would outlive the run).
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceUnavailableError } from '../../errors.ts';
import { amqpIdentity } from '../probes.ts';
import { findExecutable, missingBinaryHint } from './binaries.ts';
import amqp from 'amqplib';
import { uniqueName } from '../../testing/names.ts';
import { ServerDir, waitUntilReady } from './processes.ts';
import {
  START_ATTEMPTS,
  diedOfTakenPort,
  requireIdentity,
  startLocalServer,
  type LocalProcessServer,
} from './start.ts';

/** A new Erlang cookie: 32 random bytes, as letters an Erlang cookie may hold. */
export const newErlangCookie = (): string => randomBytes(32).toString('hex').toUpperCase();

/** The AMQP user every node the harness starts creates at first boot (instead of guest/guest). */
export const AMQP_USER = 'poc';
/** A new password for that user: 24 random bytes in hex, safe in a URL and in rabbitmq.conf. */
export const newAmqpPassword = (): string => randomBytes(24).toString('hex');

/** rabbitmq.conf lines that create the harness's user with a random password, not guest/guest. */
export const amqpUserConfig = (password: string): string[] => [
  `default_user = ${AMQP_USER}`,
  `default_pass = ${password}`,
];

export const amqpUrl = (port: number, password: string): string => `amqp://${AMQP_USER}:${password}@127.0.0.1:${port}`;

/** Where one node listens and who its peers are (a cluster's node names, or none for a lone node). */
interface RabbitNode {
  port: number;
  distPort: number;
  epmdPort: number;
  cookie: string;
  /** The password of the node's AMQP user (the same on every node of a cluster). */
  password: string;
  peers: readonly string[];
  /** The cluster's name (the server property every member reports), for a cluster's nodes. */
  clusterName?: string;
}

const nodeName = (port: number): string => `poc${port}@localhost`;

function rabbitmqBinary(): string {
  // Debian's /usr/sbin/rabbitmq-server re-executes itself as the rabbitmq user; the script under
  // /usr/lib/rabbitmq/bin runs the node directly with the environment we give it.
  const bin = findExecutable('rabbitmq-server', [], ['/usr/lib/rabbitmq/bin']);
  if (!bin) throw new ServiceUnavailableError(missingBinaryHint('RabbitMQ', 'POC_AMQP_URL', 'rabbitmq-server'));
  return bin;
}

/**
 * Writes one node's files into `dir` and returns the environment that runs it. With peers, the node
 * forms or joins their cluster at boot (classic_config peer discovery), so its AMQP listener answers
 * only once it is a member.
 */
function prepareNode(dir: string, node: RabbitNode): NodeJS.ProcessEnv {
  mkdirSync(join(dir, 'mnesia'));
  mkdirSync(join(dir, 'log'));
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  const cluster =
    node.peers.length === 0
      ? []
      : [
          `cluster_name = ${node.clusterName}`,
          'cluster_formation.peer_discovery_backend = classic_config',
          ...node.peers.map((peer, i) => `cluster_formation.classic_config.nodes.${i + 1} = ${peer}`),
        ];
  writeFileSync(
    join(dir, 'rabbitmq.conf'),
    [
      `listeners.tcp.default = 127.0.0.1:${node.port}`,
      ...amqpUserConfig(node.password),
      'loopback_users = none',
      'log.console = true',
      'log.console.level = warning',
      'log.file = false',
      ...cluster,
      '',
    ].join('\n'),
  );
  const cookie = join(dir, '.erlang.cookie');
  writeFileSync(cookie, node.cookie, { mode: 0o400 });
  chmodSync(cookie, 0o400);
  return {
    ...process.env,
    HOME: dir,
    RABBITMQ_NODENAME: nodeName(node.port),
    RABBITMQ_NODE_PORT: String(node.port),
    RABBITMQ_DIST_PORT: String(node.distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_PLUGINS_EXPAND_DIR: join(dir, 'plugins-expand'),
    // Distribution on loopback only; an epmd of our own, on loopback, on a reserved port.
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    RABBITMQ_CTL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    ERL_EPMD_ADDRESS: '127.0.0.1',
    ERL_EPMD_PORT: String(node.epmdPort),
  };
}

export function startLocalRabbitmq(options: { cookie?: string } = {}): Promise<LocalProcessServer> {
  const bin = rabbitmqBinary();
  return startLocalServer({
    service: 'rabbitmq',
    ports: 3,
    timeoutMs: 60_000,
    async prepare(dir, [port, distPort, epmdPort]) {
      dir.leaves({ kind: 'epmd', port: epmdPort! });
      const password = newAmqpPassword();
      const env = prepareNode(dir.path, {
        port: port!,
        distPort: distPort!,
        epmdPort: epmdPort!,
        cookie: options.cookie ?? newErlangCookie(),
        password,
        peers: [],
      });
      return {
        url: amqpUrl(port!, password),
        what: `rabbitmq-server on port ${port}`,
        command: { command: bin, args: [], env },
      };
    },
    async probe(url) {
      // The cluster name defaults to the node name, with this machine's host name after the "@".
      const id = await amqpIdentity(url);
      const node = `poc${new URL(url).port}`;
      requireIdentity('cluster_name', node, id.cluster.split('@')[0]);
      return id.version;
    },
  });
}

/**
 * Joined, not merely named alike: a queue declared through the first node is visible through every other
 * (members share their metadata; a node that formed a cluster of its own would answer NOT_FOUND).
 */
async function requireOneCluster(nodes: readonly LocalProcessServer[], dirs: readonly ServerDir[]): Promise<void> {
  const probe = uniqueName('poc_harness_membership');
  const connections = await Promise.all(nodes.map((n) => amqp.connect(n.url)));
  try {
    for (const c of connections) c.on('error', () => {});
    const first = await connections[0]!.createChannel();
    await first.assertQueue(probe, { durable: false, autoDelete: false });
    try {
      for (const [i, c] of connections.entries()) {
        const ch = await c.createChannel();
        ch.on('error', () => {});
        await ch.checkQueue(probe).catch((e: Error) => {
          throw new ServiceUnavailableError(
            `RabbitMQ node ${i + 1} did not join the cluster (${e.message}). Its log:\n${dirs[i]!.logTail(20)}`,
          );
        });
      }
    } finally {
      await first.deleteQueue(probe);
    }
  } finally {
    await Promise.allSettled(connections.map((c) => c.close()));
  }
}

/** One node of a local cluster: a process of its own that can be stopped, killed and started again. */
export interface LocalRabbitmqNode extends LocalProcessServer {
  /** Its Erlang node name, e.g. "poc41234@localhost". */
  readonly nodeName: string;
}

export interface LocalRabbitmqCluster {
  readonly nodes: readonly LocalRabbitmqNode[];
  dispose(): Promise<void>;
}

/**
 * `count` RabbitMQ nodes on loopback that form one cluster at boot: one random cookie, distinct node
 * names and ports, and one epmd (on loopback, on a reserved port) that every node registers with, so
 * they can find each other. The epmd belongs to the cluster, not to a node: killing a node leaves it
 * for the others, and the cluster's disposal (or a later sweep) kills it.
 */
export async function startLocalRabbitmqCluster(count: number): Promise<LocalRabbitmqCluster> {
  const bin = rabbitmqBinary();
  for (let attempt = 1; ; attempt++) {
    const shared = new ServerDir('rabbitmq-cluster');
    const dirs = Array.from({ length: count }, (_, i) => new ServerDir(`rabbitmq-node${i + 1}`));
    const dispose = async (): Promise<void> => {
      await Promise.allSettled(dirs.map((d) => d.dispose()));
      await shared.dispose(); // its epmd, after every node is gone
    };
    try {
      const [epmdPort] = await shared.reservePorts(1);
      shared.leaves({ kind: 'epmd', port: epmdPort! });
      const cookie = newErlangCookie();
      const password = newAmqpPassword();
      const ports: number[][] = [];
      for (const dir of dirs) ports.push(await dir.reservePorts(2));
      const peers = ports.map(([port]) => nodeName(port!));
      const clusterName = uniqueName('poc');
      const nodes = dirs.map((dir, i): LocalRabbitmqNode => {
        const [port, distPort] = ports[i]!;
        const env = prepareNode(dir.path, {
          port: port!,
          distPort: distPort!,
          epmdPort: epmdPort!,
          cookie,
          password,
          peers,
          clusterName,
        });
        const url = amqpUrl(port!, password);
        let version = 'unknown';
        return {
          nodeName: peers[i]!,
          url,
          get version() {
            return version;
          },
          port: port!,
          dir,
          async launch() {
            dir.spawn(bin, [], { env });
            await waitUntilReady(
              dir,
              `RabbitMQ node ${i + 1} of ${count} on port ${port}`,
              async () => {
                // The answer is ours: the cluster's random name is in every member's server properties.
                const id = await amqpIdentity(url);
                requireIdentity('cluster_name', clusterName, id.cluster);
                version = id.version;
              },
              120_000,
            );
          },
        };
      });
      // The first node forms the cluster; the others, fresh, find it running and join it. (Started all
      // at once, each finds no peer up yet and forms a cluster of its own.)
      await nodes[0]!.launch();
      await Promise.all(nodes.slice(1).map((n) => n.launch()));
      await requireOneCluster(nodes, dirs);
      return { nodes, dispose };
    } catch (e) {
      await dispose();
      if (attempt < START_ATTEMPTS && diedOfTakenPort(e)) continue;
      throw e;
    }
  }
}
