// Publishing to a queue on a cluster with publisher confirms: publish() resolves only when a broker
// has confirmed the message (for a quorum queue: a majority of its members have it in their logs). When
// the node it talks to dies, it moves to the next node and sends again what was not confirmed; when the
// queue cannot take the message (no quorum: the broker nacks), it tries again until its time budget runs
// out, then rejects with PublishNotConfirmedError saying why. It never hangs, and it never reports a
// message as published that no broker confirmed. A re-send may store a message twice: consumers drop
// duplicates by messageId (see consumer.ts).
import { randomUUID } from 'node:crypto';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { PublishNotConfirmedError, check, type NotConfirmedReason } from './errors.ts';
import { NodeRing, checkCluster, nodeOf, type CheckedCluster, type ClusterOptions, type NodeLink } from './nodes.ts';

export interface PublisherOptions extends ClusterOptions {
  /**
   * Time budget of one publish(), from the call until a broker confirms it (default 30 s): the node
   * failovers, re-sends and waits for a leader all come out of it. Then the call rejects.
   */
  timeoutMs?: number;
}

export interface PublishResult {
  readonly messageId: string;
  /** Times the message was sent before a broker confirmed it (more than 1 after a nack or a lost node). */
  readonly attempts: number;
  /** host:port of the node that confirmed it. */
  readonly node: string;
}

export interface PublisherStats {
  /** publish() calls that resolved: confirmed by a broker (handed to the socket, for the naive publisher). */
  published: number;
  /** Sends after the first of a message (after a nack or a lost node): each may store a duplicate. */
  resent: number;
  /** Connections lost while publishing, each followed by a move to the next node. */
  failovers: number;
}

/** Publishes JSON messages to one queue of a cluster; the naive variant (./naive) has the same shape. */
export interface ClusterPublisher<T> {
  readonly queue: string;
  /** host:port of the node it publishes through, or undefined while it has none. */
  readonly node: string | undefined;
  readonly stats: Readonly<PublisherStats>;
  /** Resolves once the message is confirmed; rejects with PublishNotConfirmedError when the budget runs out. */
  publish(payload: T, options?: { messageId?: string; signal?: AbortSignal }): Promise<PublishResult>;
  /** Closes its connection. Publishes still waiting reject. Idempotent. */
  close(): Promise<void>;
}

/** What became of one send: the broker's answer, or why none came. */
type Outcome = 'confirmed' | 'nacked' | 'unroutable' | 'closed' | 'timeout';

/** A channel with the sends waiting for its answer, so a close settles them all at once. */
interface Link extends NodeLink<ConfirmChannel> {
  readonly waiting: Set<(o: Outcome) => void>;
  readonly returned: Set<string>;
}

export function encode(payload: unknown): Buffer {
  let json: string | undefined;
  try {
    json = JSON.stringify(payload);
  } catch (e) {
    check.kind(false, 'payload', `must be JSON-serialisable: ${(e as Error).message.split('\n')[0]}`, payload);
  }
  check.kind(json !== undefined, 'payload', 'must be JSON-serialisable', payload);
  return Buffer.from(json);
}

/** Checks publish()'s second argument; shared with the naive publisher. */
export function checkPublishOptions(options: unknown): { messageId: string; signal?: AbortSignal } {
  check.options('options', options);
  const { messageId = randomUUID(), signal } = (options ?? {}) as { messageId?: unknown; signal?: unknown };
  check.name('options.messageId', messageId);
  check.signal('options.signal', signal);
  return { messageId, signal };
}

export function checkPublisherOptions(options: PublisherOptions): CheckedCluster & { timeoutMs: number } {
  const cluster = checkCluster(options);
  const { timeoutMs = 30_000 } = options;
  check.intIn('options.timeoutMs', timeoutMs, 1, 3_600_000);
  return { ...cluster, timeoutMs };
}

/** A publisher with confirms that fails over between the cluster's nodes. Connects at the first publish. */
export function failoverPublisher<T>(options: PublisherOptions): ClusterPublisher<T> {
  const cluster = checkPublisherOptions(options);
  const { queue, clock, timeoutMs, retryDelayMs } = cluster;
  const ring = new NodeRing(cluster);
  const stats: PublisherStats = { published: 0, resent: 0, failovers: 0 };
  let link: Promise<Link> | undefined;
  const links = new Map<ConfirmChannel, Link>(); // live links by channel
  const dead = new WeakSet<ConfirmChannel>();
  let node: string | undefined;
  let closed = false;

  /** The link in use, or a new one on the next node that serves the queue (one pass over the list). */
  function current(): Promise<Link> {
    link ??= ring
      .open(
        (c) => c.createConfirmChannel(),
        async ({ channel }) => void channel.once('close', () => retire(channel, 'lost')),
      )
      .then(
        (opened) => {
          const l: Link = { ...opened, waiting: new Set(), returned: new Set() };
          links.set(opened.channel, l);
          node = nodeOf(l.url);
          // mandatory + confirms: a message no queue takes comes back (basic.return) before its ack.
          l.channel.on('return', (m: ConsumeMessage) => void l.returned.add(String(m.properties.messageId)));
          if (closed || dead.has(l.channel)) retire(l.channel, 'lost');
          return l;
        },
        (e: unknown) => {
          link = undefined;
          throw e;
        },
      );
    return link;
  }

  /**
   * Retires a channel once: `lost` when it closed under us (its node died, or close()), and the next try
   * starts with the next node; `nacked` when the broker refused a message on it, and the next try opens a
   * new channel, starting with the same node. (On RabbitMQ 3.10 a channel nacked while its quorum queue had
   * no leader was seen to go on nacking after a leader was elected, while a new channel was confirmed at once.)
   * Sends still waiting on it settle as `closed` and go again: at-least-once, duplicates possible.
   */
  function retire(channel: ConfirmChannel, why: 'lost' | 'nacked'): void {
    const l = links.get(channel);
    if (!l) {
      dead.add(channel); // closed before open() returned: current() retires it when it does
      return;
    }
    links.delete(channel);
    dead.add(channel);
    void l.connection.close().catch(() => {});
    if (why === 'lost') {
      if (!closed) stats.failovers++;
      ring.failed(l.url);
    }
    node = undefined;
    link = undefined;
    for (const settle of l.waiting) settle('closed');
  }

  /** Sends once on `l` and waits for the broker's answer, the channel's end or the deadline. */
  function sendOnce(l: Link, content: Buffer, messageId: string, deadline: number): Promise<Outcome> {
    return new Promise((resolve) => {
      let cancelTimer = (): void => {};
      const settle = (o: Outcome): void => {
        if (!l.waiting.delete(settle)) return; // settled already
        cancelTimer();
        resolve(o);
      };
      l.waiting.add(settle);
      cancelTimer = clock.schedule(() => settle('timeout'), deadline - clock.now());
      const props = { persistent: true, mandatory: true, messageId, contentType: 'application/json' };
      try {
        // amqplib buffers past its high-water mark (a false return); callers bound what is in flight.
        l.channel.sendToQueue(queue, content, props, (err) => {
          if (l.returned.delete(messageId)) settle('unroutable');
          else if (err === null || err === undefined) settle('confirmed');
          else settle((err as Error).message === 'message nacked' ? 'nacked' : 'closed');
        });
      } catch {
        settle('closed'); // the channel had closed already: nothing was sent
        retire(l.channel, 'lost');
      }
    });
  }

  const why: Record<NotConfirmedReason, string> = {
    nacked: 'the broker nacked it on every try (no quorum for the queue, or the queue refused it)',
    unroutable: 'no queue took it (returned as unroutable; was the queue deleted?)',
    timeout: 'no broker answered in time (it may or may not have been stored)',
    unavailable: 'no node of the cluster served the queue',
  };

  return {
    queue,
    get node() {
      return node;
    },
    stats,
    async publish(payload, publishOptions) {
      const { messageId, signal } = checkPublishOptions(publishOptions);
      const content = encode(payload);
      const deadline = clock.now() + timeoutMs;
      let attempts = 0;
      let last: NotConfirmedReason = 'unavailable';
      let cause: unknown;
      const fail = (reason: NotConfirmedReason): PublishNotConfirmedError =>
        new PublishNotConfirmedError(
          `publishing message ${messageId} to queue "${queue}" was not confirmed within ${timeoutMs} ms after ${attempts} ${attempts === 1 ? 'try' : 'tries'}: ${why[reason]}`,
          { reason, messageId, attempts },
          { cause },
        );
      for (;;) {
        signal?.throwIfAborted();
        if (closed) throw fail(last);
        let l: Link | undefined;
        try {
          l = await current();
        } catch (e) {
          last = 'unavailable';
          cause = e;
        }
        if (l) {
          if (attempts++ > 0) stats.resent++;
          const outcome = await sendOnce(l, content, messageId, deadline);
          if (outcome === 'confirmed') {
            stats.published++;
            return { messageId, attempts, node: nodeOf(l.url) };
          }
          if (outcome === 'unroutable') throw fail(outcome);
          // The budget ran out while waiting: after nacks, the last try may just have had no time for its answer.
          if (outcome === 'timeout') throw fail(last === 'nacked' ? 'nacked' : 'timeout');
          if (outcome === 'nacked') retire(l.channel, 'nacked');
          last = outcome === 'nacked' ? 'nacked' : 'unavailable';
          // A lost node: on to the next one at once. A nack (no leader yet, or a full queue): a new channel after a pause.
          if (outcome === 'closed' && clock.now() < deadline) continue;
        }
        if (clock.now() + retryDelayMs >= deadline) throw fail(last);
        await clock.sleep(retryDelayMs, signal);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      const l = await link?.catch(() => undefined);
      if (l) retire(l.channel, 'lost');
    },
  };
}
