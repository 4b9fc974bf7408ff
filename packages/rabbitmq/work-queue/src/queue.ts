// The queue both sides share: its options, the checks every factory runs on its arguments, and the
// channel each publisher or worker opens for itself and declares the queue on. Both sides declare the
// queue with the same options (durable by default), so either can start first.
import type { Channel, ChannelModel } from 'amqplib';
import { brokerCall, check } from './errors.ts';

export interface QueueOptions {
  /** The queue survives a broker restart (default true). Both sides declare the queue with the same options. */
  durable?: boolean;
  /** Extra queue arguments: x-max-length, x-overflow, x-dead-letter-exchange, x-queue-type ... */
  arguments?: Record<string, unknown>;
}

export function checkConnection(connection: unknown): asserts connection is ChannelModel {
  const c = connection as Partial<ChannelModel> | null;
  check.kind(
    typeof c === 'object' &&
      c !== null &&
      typeof c.createChannel === 'function' &&
      typeof c.createConfirmChannel === 'function',
    'connection',
    'must be an amqplib connection (the ChannelModel amqplib.connect() resolves with)',
    connection,
  );
}

export function checkQueue(queue: unknown): asserts queue is string {
  check.name('queue', queue);
  check.that(Buffer.byteLength(queue) <= 255, 'queue', 'must be at most 255 bytes', queue);
  check.that(!queue.startsWith('amq.'), 'queue', 'must not start with "amq." (reserved by the broker)', queue);
}

export function checkQueueOptions(o: QueueOptions): void {
  check.that(o.durable === undefined || typeof o.durable === 'boolean', 'durable', 'must be a boolean', o.durable);
  check.kind(
    o.arguments === undefined || (typeof o.arguments === 'object' && o.arguments !== null),
    'arguments',
    'must be an object of queue arguments',
    o.arguments,
  );
}

/** Opens a channel with `open` and declares `queue` on it; closes the channel again if the declaration fails. */
export async function openChannel<C extends Channel>(
  queue: string,
  open: () => Promise<C>,
  o: QueueOptions,
): Promise<C> {
  const channel = await brokerCall(`opening a channel for queue "${queue}"`, open);
  // A channel the broker closes with an error emits 'error'; without a listener that would crash the process.
  // The error is reported where it matters instead: rejected confirms (publisher), worker.done (worker).
  channel.on('error', () => {});
  try {
    await brokerCall(`declaring queue "${queue}"`, () =>
      channel.assertQueue(queue, { durable: o.durable ?? true, arguments: o.arguments }),
    );
  } catch (e) {
    await channel.close().catch(() => {});
    throw e;
  }
  return channel;
}
