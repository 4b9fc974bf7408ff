// The cluster as a client sees it: a list of node URLs and a queue to declare. A publisher or consumer
// holds one connection at a time; when it dies, the next node in the list is tried, then the next, so a
// killed node costs one reconnect. Every open declares the queue first: the declaration is where a node
// says it cannot serve the queue (a classic queue whose home node is down answers 404).
import { systemClock, type Clock } from '@poc/kit';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { QueueUnavailableError, check, type NodeFailure } from './errors.ts';

/** 'quorum': replicated to the cluster's nodes by Raft; 'classic': lives on the one node it was declared through. */
export type QueueType = 'quorum' | 'classic';

export interface QueueSpec {
  /** The queue's name; both sides declare it with the same type and arguments (durable). */
  queue: string;
  /** Default 'quorum'. */
  type?: QueueType;
  /** More queue arguments: x-delivery-limit, x-max-length, x-overflow ... (x-queue-type comes from `type`). */
  arguments?: Record<string, unknown>;
}

export interface ClusterOptions extends QueueSpec {
  /** AMQP URLs of the cluster's nodes. A client starts with the first and moves on when a node fails. */
  urls: readonly string[];
  /** Opens a connection to one node (default: amqplib.connect with a 5 s connect timeout). */
  connect?: (url: string) => Promise<ChannelModel>;
  /** Time for deadlines and pauses between rounds (default systemClock). */
  clock?: Clock;
  /** Pause before trying again after a pass where every node failed, or after a nack (default 250 ms). */
  retryDelayMs?: number;
}

const QUEUE_TYPES: readonly QueueType[] = ['quorum', 'classic'];

export interface CheckedCluster {
  readonly urls: readonly string[];
  readonly queue: string;
  readonly type: QueueType;
  readonly arguments: Record<string, unknown>;
  readonly connect: (url: string) => Promise<ChannelModel>;
  readonly clock: Clock;
  readonly retryDelayMs: number;
}

const defaultConnect = (url: string): Promise<ChannelModel> => amqp.connect(url, { timeout: 5_000 });

/** Checks what publisher and consumer share; `prefix` names the options argument in messages. */
export function checkCluster(options: ClusterOptions, prefix = 'options'): CheckedCluster {
  check.kind(typeof options === 'object' && options !== null, prefix, 'must be an object', options);
  const { urls, queue, type = 'quorum', arguments: args = {}, connect = defaultConnect } = options;
  const { clock = systemClock, retryDelayMs = 250 } = options;
  check.kind(Array.isArray(urls) && urls.length > 0, `${prefix}.urls`, 'must be a non-empty array of AMQP URLs', urls);
  urls.forEach((u, i) => {
    check.that(
      typeof u === 'string' && /^amqps?:\/\/./.test(u),
      `${prefix}.urls[${i}]`,
      'must be an amqp:// or amqps:// URL',
      u,
    );
  });
  check.name(`${prefix}.queue`, queue);
  check.that(Buffer.byteLength(queue) <= 255, `${prefix}.queue`, 'must be at most 255 bytes', queue);
  check.that(
    !queue.startsWith('amq.'),
    `${prefix}.queue`,
    'must not start with "amq." (reserved by the broker)',
    queue,
  );
  check.oneOf(`${prefix}.type`, type, QUEUE_TYPES);
  check.kind(
    typeof args === 'object' && args !== null && !Array.isArray(args),
    `${prefix}.arguments`,
    'must be an object of queue arguments',
    args,
  );
  check.that(
    !('x-queue-type' in args),
    `${prefix}.arguments`,
    'must not set x-queue-type (use the type option)',
    args['x-queue-type'],
  );
  check.fn(`${prefix}.connect`, connect);
  check.kind(
    typeof clock === 'object' &&
      clock !== null &&
      ['now', 'sleep', 'schedule'].every((m) => typeof (clock as never)[m] === 'function'),
    `${prefix}.clock`,
    'must be a Clock',
    clock,
  );
  check.intIn(`${prefix}.retryDelayMs`, retryDelayMs, 0, 60_000);
  return { urls: [...urls], queue, type, arguments: { ...args, 'x-queue-type': type }, connect, clock, retryDelayMs };
}

/** A connection to one node, a channel on it, and the queue declared through it. */
export interface NodeLink<C extends Channel> {
  readonly url: string;
  readonly connection: ChannelModel;
  readonly channel: C;
}

/**
 * Walks the node list for one client. open() makes one pass over every node, starting with the one after
 * the node last used when that node failed (or with the node in use, when it has not), and returns the
 * first that gives a connection, a channel and the declared queue; a pass where every node fails throws
 * QueueUnavailableError listing each node's answer.
 */
export class NodeRing {
  private next = 0;
  private readonly cluster: CheckedCluster;
  constructor(cluster: CheckedCluster) {
    this.cluster = cluster;
  }

  /** The node after `url` is tried first next time: `url` just failed. */
  failed(url: string): void {
    this.next = (this.cluster.urls.indexOf(url) + 1) % this.cluster.urls.length;
  }

  /**
   * `kind` opens the channel; `setup` (after the declaration) subscribes a consumer or sets prefetch: a
   * node where it fails counts as failed like one that refused the connection.
   */
  async open<C extends Channel>(
    kind: (c: ChannelModel) => Promise<C>,
    setup?: (link: NodeLink<C>) => Promise<void>,
  ): Promise<NodeLink<C>> {
    const { urls, queue, arguments: args, connect } = this.cluster;
    const failures: NodeFailure[] = [];
    for (let i = 0; i < urls.length; i++) {
      const index = (this.next + i) % urls.length;
      const url = urls[index]!;
      let connection: ChannelModel | undefined;
      try {
        connection = await connect(url);
        connection.on('error', () => {}); // a node that dies closes it; the owner watches 'close'
        const channel = await kind(connection);
        channel.on('error', () => {}); // reported through the failed operation or 'close'
        await channel.assertQueue(queue, { durable: true, arguments: args });
        const link = { url, connection, channel };
        await setup?.(link);
        this.next = index;
        return link;
      } catch (e) {
        failures.push({ node: nodeOf(url), error: e instanceof Error ? e.message : String(e) });
        await connection?.close().catch(() => {});
      }
    }
    const detail = failures.map((f) => `${f.node}: ${f.error}`).join('; ');
    throw new QueueUnavailableError(`no node could serve queue "${queue}" (${detail})`, queue, failures);
  }
}

/** A node as messages show it: host:port, never the URL's credentials. */
export function nodeOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(unparsable URL)';
  }
}
