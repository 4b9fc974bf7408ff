// Consuming from a queue on a cluster: manual acks after the handler, and when the node it is
// subscribed through dies, a new subscription through the next node that serves the queue. The broker
// redelivers every message that was not acked (at-least-once): those it handed out before the node died,
// and a message whose ack was lost with the connection. The consumer handles one message at a time and
// remembers the messageIds it handled, so a redelivered or re-published copy of a handled message is
// acked without running the handler again (counted in stats.duplicates).
import type { Channel, ConsumeMessage } from 'amqplib';
import { QueueUnavailableError, check } from './errors.ts';
import { NodeRing, checkCluster, nodeOf, type ClusterOptions, type NodeLink } from './nodes.ts';

export interface Delivery {
  readonly messageId: string | undefined;
  /** The broker handed this message out before, to a consumer that did not ack it (a node died, a handler threw). */
  readonly redelivered: boolean;
  /** host:port of the node it came through. */
  readonly node: string;
}

export interface ConsumerOptions<T> extends ClusterOptions {
  /** Unacked messages the broker hands this consumer at a time (default 10). */
  prefetch?: number;
  /** Does the work. Resolve: ack. Throw: the message goes back to the queue (nack, requeue). */
  handler: (payload: T, delivery: Delivery) => Promise<void> | void;
  /** How many handled messageIds are remembered to drop duplicates (default 100 000; oldest forgotten first). */
  dedupeWindow?: number;
  /** Give up after this long with no node serving the queue (default 30 s): start() rejects, or `done` does. */
  giveUpAfterMs?: number;
}

export interface ConsumerStats {
  /** Deliveries received (duplicates included). */
  delivered: number;
  /** Deliveries the broker flagged as redelivered. */
  redelivered: number;
  /** Messages the handler completed (each messageId once while it is remembered). */
  handled: number;
  /** Deliveries of an already handled messageId: acked without running the handler. */
  duplicates: number;
  /** Handler failures (message requeued) and bodies that are not JSON (rejected). */
  failed: number;
  /** Deliveries not yet started when their subscription was lost or stopped: the broker delivers them again. */
  handedBack: number;
  /** Subscriptions lost while consuming, each followed by a new one through the next node. */
  failovers: number;
}

/** `consuming` → (node lost) `failing-over` → `consuming` ...; stop(): `stopping` → `stopped`; no node in time: `failed`. */
export type ConsumerState = 'consuming' | 'failing-over' | 'stopping' | 'stopped' | 'failed';

export interface FailoverConsumer {
  readonly queue: string;
  readonly state: ConsumerState;
  /** host:port of the node it consumes through, or undefined while failing over. */
  readonly node: string | undefined;
  readonly stats: Readonly<ConsumerStats>;
  /** Resolves after stop(); rejects with QueueUnavailableError if no node served the queue for giveUpAfterMs. */
  readonly done: Promise<void>;
  /** Cancels the subscription, lets a running handler finish, closes the connection. Idempotent. */
  stop(): Promise<void>;
}

interface Item {
  link: NodeLink<Channel>;
  msg: ConsumeMessage;
}

/** Subscribes to the queue through the first node that serves it; resolves once consuming. */
export async function failoverConsumer<T>(options: ConsumerOptions<T>): Promise<FailoverConsumer> {
  const cluster = checkCluster(options);
  const { prefetch = 10, handler, dedupeWindow = 100_000, giveUpAfterMs = 30_000 } = options;
  check.intIn('options.prefetch', prefetch, 1, 65_535);
  check.kind(
    typeof handler === 'function',
    'options.handler',
    'must be a function (payload, delivery) => void',
    handler,
  );
  check.intIn('options.dedupeWindow', dedupeWindow, 1, 10_000_000);
  check.intIn('options.giveUpAfterMs', giveUpAfterMs, 0, 3_600_000);
  const { queue, clock, retryDelayMs } = cluster;
  const ring = new NodeRing(cluster);

  const stats: ConsumerStats = {
    delivered: 0,
    redelivered: 0,
    handled: 0,
    duplicates: 0,
    failed: 0,
    handedBack: 0,
    failovers: 0,
  };
  const handledIds = new Set<string>(); // insertion order: the oldest is forgotten first
  let state: ConsumerState = 'failing-over';
  let link: NodeLink<Channel> | undefined;
  let waiting: Item[] = [];
  const closedLinks = new WeakSet<NodeLink<Channel>>();
  let busy: Promise<void> | undefined;
  let ending!: { resolve: () => void; reject: (e: Error) => void };
  const done = new Promise<void>((resolve, reject) => (ending = { resolve, reject }));
  done.catch(() => {}); // observed through `done` by whoever cares

  const remember = (id: string): void => {
    handledIds.add(id);
    if (handledIds.size > dedupeWindow) handledIds.delete(handledIds.values().next().value!);
  };
  /** ack / nack on the channel the message came from; a dead one throws, and the broker has the message back. */
  const settle = (item: Item, op: (ch: Channel, m: ConsumeMessage) => void): void => {
    try {
      op(item.link.channel, item.msg);
    } catch {
      // closed under us: the broker redelivers it
    }
  };

  async function handle(item: Item): Promise<void> {
    const { msg } = item;
    const messageId = typeof msg.properties.messageId === 'string' ? msg.properties.messageId : undefined;
    if (messageId !== undefined && handledIds.has(messageId)) {
      stats.duplicates++;
      settle(item, (ch, m) => ch.ack(m));
      return;
    }
    let payload: T;
    try {
      payload = JSON.parse(msg.content.toString('utf8')) as T;
    } catch {
      stats.failed++;
      settle(item, (ch, m) => ch.nack(m, false, false)); // no retry makes it parse
      return;
    }
    try {
      await handler(payload, { messageId, redelivered: msg.fields.redelivered, node: nodeOf(item.link.url) });
    } catch {
      stats.failed++;
      settle(item, (ch, m) => ch.nack(m, false, true));
      return;
    }
    if (messageId !== undefined) remember(messageId);
    stats.handled++;
    settle(item, (ch, m) => ch.ack(m));
  }

  /** One handler at a time: a redelivered copy waits for the run of its original, then finds it handled. */
  function pump(): void {
    if (busy || state === 'stopped') return;
    const item = waiting.shift();
    if (!item) return;
    busy = handle(item).finally(() => {
      busy = undefined;
      pump();
    });
  }

  function onMessage(l: NodeLink<Channel>, msg: ConsumeMessage | null): void {
    if (msg === null) {
      // The broker cancelled the subscription (queue deleted, or its node is leaving): subscribe again.
      void l.connection.close().catch(() => {});
      return;
    }
    stats.delivered++;
    if (msg.fields.redelivered) stats.redelivered++;
    waiting.push({ link: l, msg });
    pump();
  }

  /** Tries the nodes in turn (pausing retryDelayMs after each full pass) until one serves the queue or time is up. */
  async function subscribe(): Promise<void> {
    const giveUpAt = clock.now() + giveUpAfterMs;
    for (;;) {
      try {
        const l = await ring.open(
          (c) => c.createChannel(),
          async (l) => {
            l.channel.once('close', () => lost(l));
            await l.channel.prefetch(prefetch);
            await l.channel.consume(queue, (m) => onMessage(l, m));
          },
        );
        if (state === 'stopping' || state === 'stopped') {
          await l.connection.close().catch(() => {});
          return;
        }
        if (!closedLinks.has(l)) {
          link = l;
          return;
        }
        ring.failed(l.url); // it died between subscribing and now: go on with the next node
      } catch (e) {
        if (state === 'stopping' || state === 'stopped') return;
        if (clock.now() + retryDelayMs > giveUpAt)
          throw e instanceof QueueUnavailableError
            ? new QueueUnavailableError(
                `gave up consuming queue "${queue}" after ${giveUpAfterMs} ms: ${e.message}`,
                queue,
                e.failures,
                { cause: e },
              )
            : e;
        await clock.sleep(retryDelayMs);
      }
    }
  }

  function lost(l: NodeLink<Channel>): void {
    closedLinks.add(l);
    const before = waiting.length;
    waiting = waiting.filter((item) => item.link !== l); // the broker redelivers them
    stats.handedBack += before - waiting.length;
    void l.connection.close().catch(() => {});
    if (link !== l) return; // not (or not yet) the subscription in use
    link = undefined;
    ring.failed(l.url);
    if (state !== 'consuming') return;
    stats.failovers++;
    state = 'failing-over';
    subscribe().then(
      () => void (state === 'failing-over' && (state = 'consuming')),
      (e: Error) => {
        if (state !== 'failing-over') return;
        state = 'failed';
        ending.reject(e);
      },
    );
  }

  await subscribe(); // the caller gets QueueUnavailableError if no node serves the queue in time
  state = 'consuming';

  let stopped: Promise<void> | undefined;
  return {
    queue,
    get state() {
      return state;
    },
    get node() {
      return link ? nodeOf(link.url) : undefined;
    },
    stats,
    done,
    stop() {
      stopped ??= (async () => {
        const failed = state === 'failed';
        if (!failed) state = 'stopping';
        stats.handedBack += waiting.length;
        waiting = []; // closing the channel hands them back
        await busy;
        const l = link;
        link = undefined;
        await l?.connection.close().catch(() => {});
        if (!failed) {
          state = 'stopped';
          ending.resolve();
        }
      })();
      return stopped;
    },
  };
}
