// What people write first: a publisher without confirms. It fails over like the real one (a send on a
// closed channel throws, so it moves to the next node and sends that message there), and publish()
// resolves as soon as the message is handed to the socket. What the dying node had received but not yet
// written to the queue's log, and what was still in the socket buffers, is gone, and nobody hears about
// it: test/faults.test.ts counts how many. Not exported from the main entry: import it from
// 'poc-rabbitmq-quorum-queues/naive'.
import type { Channel } from 'amqplib';
import { NodeRing, nodeOf, type NodeLink } from './nodes.ts';
import {
  checkPublishOptions,
  checkPublisherOptions,
  encode,
  type ClusterPublisher,
  type PublisherOptions,
  type PublisherStats,
} from './publisher.ts';
import { PublishNotConfirmedError } from './errors.ts';

/** Resolves on 'drain' or 'close', whichever comes first: a closed channel never drains. */
const drainOrClose = (channel: Channel): Promise<void> =>
  new Promise((resolve) => {
    const done = (): void => {
      channel.off('drain', done);
      channel.off('close', done);
      resolve();
    };
    channel.once('drain', done);
    channel.once('close', done);
  });

/** Same options and shape as failoverPublisher(); `timeoutMs` bounds only how long it looks for a node. */
export function naivePublisher<T>(options: PublisherOptions): ClusterPublisher<T> {
  const cluster = checkPublisherOptions(options);
  const { queue, clock, timeoutMs, retryDelayMs } = cluster;
  const ring = new NodeRing(cluster);
  const stats: PublisherStats = { published: 0, resent: 0, failovers: 0 };
  let link: Promise<NodeLink<Channel>> | undefined;
  let node: string | undefined;
  let closed = false;
  const draining = new WeakMap<Channel, Promise<void>>(); // one wait per channel, however many callers

  const drainOf = (channel: Channel): Promise<void> => {
    let wait = draining.get(channel);
    if (!wait) {
      wait = drainOrClose(channel).finally(() => draining.delete(channel));
      draining.set(channel, wait);
    }
    return wait;
  };

  const current = (): Promise<NodeLink<Channel>> =>
    (link ??= ring
      .open((c) => c.createChannel())
      .then(
        (l) => {
          node = nodeOf(l.url);
          return l;
        },
        (e: unknown) => {
          link = undefined;
          throw e;
        },
      ));

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
      for (;;) {
        signal?.throwIfAborted();
        let l: NodeLink<Channel> | undefined;
        try {
          l = closed ? undefined : await current();
        } catch {
          // no node now: try again below
        }
        if (l) {
          try {
            if (attempts++ > 0) stats.resent++;
            // Queued for the socket; the broker's fate of it is never heard of. It does respect backpressure:
            // when amqplib's buffer is full it waits for 'drain', so what it loses was on the wire or in the broker.
            const ok = l.channel.sendToQueue(queue, content, {
              persistent: true,
              messageId,
              contentType: 'application/json',
            });
            stats.published++;
            if (!ok) await drainOf(l.channel);
            return { messageId, attempts, node: nodeOf(l.url) };
          } catch {
            // the channel is closed: this one failed visibly, so it goes to the next node
            if (link && (await link) === l) link = undefined;
            stats.failovers++;
            ring.failed(l.url);
            node = undefined;
            void l.connection.close().catch(() => {});
            continue;
          }
        }
        if (closed || clock.now() + retryDelayMs >= deadline)
          throw new PublishNotConfirmedError(
            `publishing message ${messageId} to queue "${queue}" failed: no node of the cluster served the queue`,
            { reason: 'unavailable', messageId, attempts },
          );
        await clock.sleep(retryDelayMs, signal);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      const l = await link?.catch(() => undefined);
      await l?.connection.close().catch(() => {});
    },
  };
}
