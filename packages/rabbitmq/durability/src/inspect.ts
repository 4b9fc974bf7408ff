// Reading a queue back after a restart: does it still exist, how many messages does it hold, which ones.
// Both use a channel of their own: a passive declare of a missing queue closes the channel it ran on.
import type { ChannelModel } from 'amqplib';
import { DurabilityServiceError, rabbitmqCall } from './errors.ts';
import { checkConnection, checkQueueName } from './durability.ts';

/** Messages in `queue` now, or undefined when the queue does not exist (a non-durable queue after a restart). */
export async function queueDepth(connection: ChannelModel, queue: string): Promise<number | undefined> {
  checkConnection(connection);
  checkQueueName('queue', queue);
  const channel = await rabbitmqCall(`opening a channel to inspect queue "${queue}"`, () => connection.createChannel());
  channel.on('error', () => {});
  try {
    return (await channel.checkQueue(queue)).messageCount;
  } catch (e) {
    if ((e as { code?: number }).code === 404) return undefined; // NOT_FOUND
    throw new DurabilityServiceError(`inspecting queue "${queue}" failed: ${(e as Error).message}`, { cause: e });
  } finally {
    await channel.close().catch(() => {});
  }
}

export interface DrainedMessage {
  readonly id: string;
  /** Delivery mode 2: the publisher asked for it to be written to disk. */
  readonly persistent: boolean;
}

/**
 * Takes the messages `queue` holds now off it and returns them in queue order: a consumer with a large
 * prefetch that acks (multiple) up to that count; anything published meanwhile stays in the queue.
 */
export async function drainQueue(connection: ChannelModel, queue: string): Promise<DrainedMessage[]> {
  checkConnection(connection);
  checkQueueName('queue', queue);
  return rabbitmqCall(`draining queue "${queue}"`, async () => {
    const channel = await connection.createChannel();
    channel.on('error', () => {});
    try {
      const { messageCount } = await channel.checkQueue(queue);
      const out: DrainedMessage[] = [];
      if (messageCount === 0) return out;
      await channel.prefetch(1_000);
      await new Promise<void>((resolve, reject) => {
        channel.once('close', () => reject(new Error('the channel closed')));
        channel
          .consume(queue, (msg) => {
            if (msg === null) return reject(new Error('the broker cancelled the consumer'));
            if (out.length === messageCount) return; // published meanwhile: requeued when the channel closes
            out.push({ id: String(msg.properties.messageId), persistent: msg.properties.deliveryMode === 2 });
            if (out.length === messageCount) {
              channel.ack(msg, true);
              resolve();
            } else if (out.length % 500 === 0) channel.ack(msg, true);
          })
          .catch(reject);
      });
      return out;
    } finally {
      await channel.close().catch(() => {});
    }
  });
}
