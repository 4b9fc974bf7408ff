// Shared by the tests: messages with known ids, a queue read back from the broker, and an observer of the
// broker's own confirm frames on a real connection.
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import type { Message } from '../src/index.ts';

/** `count` messages for `routingKey`, ids `${prefix}-0` ... in order. */
export const messages = (routingKey: string, count: number, prefix: string, size = 16): Message[] =>
  Array.from({ length: count }, (_, i) => ({
    routingKey,
    messageId: `${prefix}-${i}`,
    body: Buffer.alloc(size, i % 256),
  }));

/** Declares a durable queue (with arguments) on every new channel: the publisher's setup. */
export const durableQueue =
  (queue: string, args?: Record<string, unknown>) =>
  (channel: ConfirmChannel): Promise<unknown> =>
    channel.assertQueue(queue, { durable: true, arguments: args });

/** Every message id in `queue`, in queue order, taken off the queue (basic.get until it is empty). */
export async function takeAll(connection: ChannelModel, queue: string): Promise<string[]> {
  const ch = await connection.createChannel();
  try {
    const ids: string[] = [];
    for (;;) {
      const msg = await ch.get(queue, { noAck: true });
      if (msg === false) return ids;
      ids.push(msg.properties.messageId as string);
    }
  } finally {
    await ch.close().catch(() => {});
  }
}

/** Ids that occur more than once, with the number of extra copies in all. */
export function duplicates(ids: readonly string[]): { distinct: Set<string>; extraCopies: number } {
  const distinct = new Set(ids);
  return { distinct, extraCopies: ids.length - distinct.size };
}

/**
 * Watches the confirm channels a connection opens: counts basic.publish frames and the broker's
 * basic.ack / basic.nack frames (one delivery tag, or every tag up to it with `multiple`), and records the
 * most messages that were ever published and not yet answered. Independent of the publisher's own books.
 */
export function confirmFrames(connection: ChannelModel): {
  readonly maxOutstanding: number;
  readonly answered: number;
} {
  const seen = { maxOutstanding: 0, answered: 0 };
  const open = connection.createConfirmChannel.bind(connection);
  connection.createConfirmChannel = async (...args: Parameters<ChannelModel['createConfirmChannel']>) => {
    const ch = await open(...args);
    const outstanding = new Set<number>();
    let tag = 0;
    const publish = ch.publish.bind(ch);
    ch.publish = (...a: Parameters<ConfirmChannel['publish']>) => {
      const ok = publish(...a);
      outstanding.add(++tag);
      seen.maxOutstanding = Math.max(seen.maxOutstanding, outstanding.size);
      return ok;
    };
    const answer = ({ deliveryTag, multiple }: { deliveryTag: number; multiple: boolean }): void => {
      for (const t of multiple ? [...outstanding].filter((t) => t <= deliveryTag) : [deliveryTag])
        if (outstanding.delete(t)) seen.answered++;
    };
    ch.on('ack', answer);
    ch.on('nack', answer);
    return ch;
  };
  return seen;
}
