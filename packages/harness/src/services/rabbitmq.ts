// RabbitMQ for one suite: the shared broker, and names nobody else uses. Every queue or exchange name
// the suite takes from name() is deleted on close(). (A vhost per suite would need rabbitmqctl, an
// Erlang VM start per call, or the management plugin; unique names isolate as well for these tests.)
import amqp, { type ChannelModel } from 'amqplib';
import { uniqueName } from '../testing/names.ts';
import { HarnessArgumentError } from '../errors.ts';
import { startLocalRabbitmqCluster } from './local/rabbitmq.ts';
import { LocalPrivate, definition, serverFor, startPrivateServer } from './servers.ts';
import type { PrivateServer } from './types.ts';

export interface AmqpNamespace extends AsyncDisposable {
  readonly url: string;
  readonly prefix: string;
  /** A queue or exchange name unique to this suite, e.g. name('jobs') → "t_m3k2_9f1c_jobs". */
  name(base: string): string;
  /** A new connection; closed on close(). */
  connect(): Promise<ChannelModel>;
  /** Deletes the queues and exchanges named through name(), and closes the suite's connections. */
  close(): Promise<void>;
}

export async function amqpNamespace(options: { name?: string } = {}): Promise<AmqpNamespace> {
  const server = await serverFor('rabbitmq');
  const prefix = uniqueName(options.name ?? 't');
  const names = new Set<string>();
  const connections = new Set<ChannelModel>();
  let closed = false;
  const ns: AmqpNamespace = {
    url: server.url,
    prefix,
    name(base) {
      const n = `${prefix}_${base}`;
      names.add(n);
      return n;
    },
    async connect() {
      const c = await amqp.connect(server.url);
      c.on('error', () => {}); // a broker restart in a test must not crash the process
      connections.add(c);
      c.once('close', () => connections.delete(c));
      return c;
    },
    async close() {
      if (closed) return;
      closed = true;
      // Deleting a missing queue or exchange is a no-op in RabbitMQ, so one channel on a connection the
      // suite already has (a handshake costs ~50 ms) deletes every name it took.
      const open = [...connections];
      const admin = open[0] ?? (await amqp.connect(server.url));
      admin.on('error', () => {});
      try {
        if (names.size > 0) {
          const ch = await admin.createChannel();
          ch.on('error', () => {});
          for (const n of names) {
            await ch.deleteQueue(n);
            await ch.deleteExchange(n);
          }
          await ch.close();
        }
      } finally {
        await Promise.allSettled([...new Set([admin, ...open])].map((c) => c.close()));
      }
    },
    [Symbol.asyncDispose]: () => ns.close(),
  };
  return ns;
}

/** A RabbitMQ node of its own (for broker restart / kill tests). Close it when done. */
export const privateRabbitmq = (): Promise<PrivateServer> => startPrivateServer('rabbitmq');

/** One node of a private cluster: stop, kill and start it like any private server. */
export interface RabbitmqClusterNode extends PrivateServer {
  /** Its Erlang node name, as x-queue-leader / rabbitmqctl show it, e.g. "poc41234@localhost". */
  readonly nodeName: string;
  /** SIGSTOP to the node's whole process tree: it stops answering, its connections stay open. */
  freeze(): void;
  /** SIGCONT: the frozen node carries on. */
  thaw(): void;
}

/** A private RabbitMQ cluster, for quorum queues and node failures. Close it when done. */
export interface RabbitmqCluster extends AsyncDisposable {
  readonly nodes: readonly RabbitmqClusterNode[];
  /** Each node's AMQP URL, in node order (a client that fails over tries them in turn). */
  readonly urls: readonly string[];
  /** Stops every node and removes their files. Idempotent. */
  close(): Promise<void>;
}

const MAX_NODES = 7;

/**
 * `nodes` RabbitMQ nodes on loopback joined in one cluster at boot: one random Erlang cookie, distinct
 * node names and ports, distribution and a shared epmd on loopback only. Local processes on every
 * provider (it needs Debian's rabbitmq-server). Each node can be killed, stopped and started again (it
 * rejoins with its data).
 */
export async function privateRabbitmqCluster(options: { nodes: number }): Promise<RabbitmqCluster> {
  const n = options?.nodes;
  if (!Number.isInteger(n) || n < 1 || n > MAX_NODES)
    throw new HarnessArgumentError(`nodes must be an integer from 1 to ${MAX_NODES} (got ${String(n)})`);
  const def = definition('rabbitmq');
  const local = await startLocalRabbitmqCluster(n);
  const nodes = local.nodes.map((l) => Object.assign(new LocalPrivate(def, l), { nodeName: l.nodeName }));
  let closed = false;
  const cluster: RabbitmqCluster = {
    nodes,
    urls: nodes.map((x) => x.url),
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
