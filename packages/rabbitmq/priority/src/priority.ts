// A RabbitMQ priority queue: declared with x-max-priority, so the broker keeps one internal queue per
// level and hands a consumer the highest-priority message it holds. Publishes are persistent and
// confirmed; the consumer acks only after its handler returned (at-least-once). What the broker can
// reorder is only what is still in the queue: messages already pushed to a consumer (up to its
// prefetch) are handled first, whatever their priority — so prefetch decides how fast priority acts.
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { PriorityServiceError, amqpCall, check } from './errors.ts';

/** The broker's ceiling for x-max-priority and for a message's priority (an AMQP octet). */
export const MAX_PRIORITY_LIMIT = 255;

export interface PriorityQueueOptions {
  /** The queue's name; declared durable. */
  queue: string;
  /**
   * x-max-priority, 1..255: levels 0..max, each an internal queue of the broker. A message above the
   * max is treated as the max. RabbitMQ advises a handful: every level costs memory and CPU.
   */
  maxPriority: number;
}

export interface Message {
  payload: unknown;
  /** 0..255 (default 0); above the queue's maxPriority the broker treats it as maxPriority. */
  priority?: number;
  messageId?: string;
}

export interface Delivery {
  /** The priority the message was published with, as the broker delivered it. */
  priority: number;
  messageId: string | undefined;
  /** The broker handed it out before (a consumer died or gave it back unacked). */
  redelivered: boolean;
}

export interface ConsumerOptions<T> {
  /** Handles one message; the message is acked after it resolves. Throwing settles it by `onFailure`. */
  handler: (payload: T, delivery: Delivery) => Promise<void> | void;
  /**
   * Unacked messages the broker may push to this consumer (basic.qos; 0 = unlimited; default 1).
   * Pushed messages sit in the consumer's buffer and can no longer be overtaken by a higher priority.
   */
  prefetch?: number;
  /** A failed handler: 'reject' (default: dead-letter if the queue has a DLX, else dropped) or 'requeue'. */
  onFailure?: 'reject' | 'requeue';
}

export interface ConsumerStats {
  /** Deliveries pushed to this consumer (including ones it gave back when stopped). */
  received: number;
  acked: number;
  rejected: number;
  requeued: number;
}

export interface PriorityConsumer {
  readonly stats: ConsumerStats;
  /** Resolves after stop(); rejects with PriorityServiceError if the channel closes under the consumer. */
  readonly done: Promise<void>;
  /** Stops consuming: cancels, gives back (requeues) what it had not started, waits for the running handler. */
  stop(): Promise<void>;
}

export interface PriorityQueue {
  readonly queue: string;
  readonly maxPriority: number;
  /** Publishes persistent messages and resolves when the broker has confirmed every one of them. */
  publish(messages: readonly Message[]): Promise<void>;
  /** Consumes one message at a time; acks after the handler. */
  consume<T>(options: ConsumerOptions<T>): Promise<PriorityConsumer>;
  /** Messages ready in the queue (not counting ones pushed to consumers and unacked). */
  depth(): Promise<number>;
  /** Closes the publishing channel (the connection is the caller's). */
  close(): Promise<void>;
}

const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');

export function checkConnection(connection: unknown): asserts connection is ChannelModel {
  check.kind(
    hasMethods(connection, 'createChannel', 'createConfirmChannel'),
    'connection',
    'must be an amqplib connection (what amqplib.connect() resolves with)',
    connection,
  );
}

function checkOptions(options: PriorityQueueOptions): void {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.name('options.queue', options.queue);
  check.that(
    !options.queue.startsWith('amq.'),
    'options.queue',
    'must not start with "amq." (reserved by the broker)',
    options.queue,
  );
}

/** Declares a durable priority queue (x-max-priority) and returns its publisher and consumer factory. */
export async function priorityQueue(connection: ChannelModel, options: PriorityQueueOptions): Promise<PriorityQueue> {
  checkConnection(connection);
  checkOptions(options);
  check.intIn('options.maxPriority', options.maxPriority, 1, MAX_PRIORITY_LIMIT);
  return openQueue(connection, options.queue, options.maxPriority, { 'x-max-priority': options.maxPriority });
}

/**
 * The queue as both variants use it: `args` decide what kind of queue it is (src/naive.ts passes none).
 * Exported for the naive variant, not from the package's index.
 */
export async function openQueue(
  connection: ChannelModel,
  queue: string,
  maxPriority: number,
  args: Record<string, unknown>,
): Promise<PriorityQueue> {
  const channel: ConfirmChannel = await amqpCall('opening a confirm channel', () => connection.createConfirmChannel());
  channel.on('error', () => {}); // a closed channel is reported by the next call, not by a crash
  try {
    await amqpCall(`declaring queue "${queue}"`, () => channel.assertQueue(queue, { durable: true, arguments: args }));
  } catch (e) {
    await channel.close().catch(() => {});
    throw e;
  }
  return {
    queue,
    maxPriority,
    async publish(messages) {
      check.kind(Array.isArray(messages), 'messages', 'must be an array', messages);
      const encoded = messages.map((m, i) => encode(m, i));
      await amqpCall(
        `publishing ${encoded.length} message${encoded.length === 1 ? '' : 's'} to queue "${queue}"`,
        async () => {
          for (const m of encoded) {
            // The write buffer filling up is flow control, not an error: wait for it to drain.
            if (!channel.sendToQueue(queue, m.content, m.properties)) await drained(channel);
          }
          await channel.waitForConfirms(); // rejects if the broker nacked any of them or the channel closed
        },
      );
    },
    consume: (options) => startConsumer(connection, queue, options),
    async depth() {
      const ch = await amqpCall('opening a channel', () => connection.createChannel());
      ch.on('error', () => {});
      try {
        return (await amqpCall(`checking queue "${queue}"`, () => ch.checkQueue(queue))).messageCount;
      } finally {
        await ch.close().catch(() => {});
      }
    },
    close: () => channel.close().catch(() => {}),
  };
}

function encode(m: Message, i: number) {
  check.kind(typeof m === 'object' && m !== null, `messages[${i}]`, 'must be an object with a payload', m);
  const priority = m.priority ?? 0;
  check.intIn(`messages[${i}].priority`, priority, 0, MAX_PRIORITY_LIMIT);
  if (m.messageId !== undefined) check.name(`messages[${i}].messageId`, m.messageId);
  const json = JSON.stringify(m.payload);
  check.kind(json !== undefined, `messages[${i}].payload`, 'must be JSON-serialisable', m.payload);
  return {
    content: Buffer.from(json),
    properties: { persistent: true, priority, messageId: m.messageId, contentType: 'application/json' },
  };
}

const drained = (channel: Channel): Promise<void> =>
  new Promise((resolve) => {
    const done = (): void => {
      channel.off('drain', done);
      channel.off('close', done);
      resolve();
    };
    channel.once('drain', done);
    channel.once('close', done);
  });

/** One handler at a time; the rest of what the broker pushed waits in `waiting`, in arrival order. */
async function startConsumer<T>(
  connection: ChannelModel,
  queue: string,
  options: ConsumerOptions<T>,
): Promise<PriorityConsumer> {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.fn('options.handler', options.handler);
  const prefetch = options.prefetch ?? 1;
  check.intIn('options.prefetch', prefetch, 0, 65535);
  const onFailure = options.onFailure ?? 'reject';
  check.oneOf('options.onFailure', onFailure, ['reject', 'requeue'] as const);

  const channel = await amqpCall('opening a channel', () => connection.createChannel());
  channel.on('error', () => {});
  const stats: ConsumerStats = { received: 0, acked: 0, rejected: 0, requeued: 0 };
  const waiting: ConsumeMessage[] = [];
  let running: Promise<void> | undefined;
  let stopping = false;
  let resolveDone!: () => void;
  let rejectDone!: (e: unknown) => void;
  const done = new Promise<void>((resolve, reject) => ((resolveDone = resolve), (rejectDone = reject)));
  done.catch(() => {}); // observed by whoever awaits it; never an unhandled rejection
  // The broker went away or cancelled the consumer: stop taking work and say so through `done`.
  const lost = (message: string): void => {
    if (stopping) return;
    stopping = true;
    waiting.length = 0; // the broker takes them back with the channel
    rejectDone(new PriorityServiceError(message));
  };
  channel.on('close', () => lost(`the channel consuming queue "${queue}" closed under the consumer`));

  const handle = async (msg: ConsumeMessage): Promise<void> => {
    const delivery: Delivery = {
      priority: typeof msg.properties.priority === 'number' ? msg.properties.priority : 0,
      messageId: msg.properties.messageId as string | undefined,
      redelivered: msg.fields.redelivered,
    };
    try {
      await options.handler(JSON.parse(msg.content.toString()) as T, delivery);
    } catch {
      // A channel already gone throws here: the broker requeues the message itself.
      const requeue = onFailure === 'requeue';
      if (settle(() => channel.nack(msg, false, requeue))) stats[requeue ? 'requeued' : 'rejected']++;
      return;
    }
    if (settle(() => channel.ack(msg))) stats.acked++; // after the work: a crash before this redelivers it
  };
  const pump = (): void => {
    if (running || stopping) return;
    const next = waiting.shift();
    if (!next) return;
    running = handle(next).finally(() => {
      running = undefined;
      pump();
    });
  };

  let consumerTag = '';
  try {
    await amqpCall(`consuming queue "${queue}"`, async () => {
      await channel.prefetch(prefetch);
      ({ consumerTag } = await channel.consume(
        queue,
        (msg) => {
          if (!msg) return lost(`the broker cancelled the consumer of queue "${queue}" (was it deleted?)`);
          stats.received++;
          waiting.push(msg);
          pump();
        },
        { noAck: false },
      ));
    });
  } catch (e) {
    await channel.close().catch(() => {});
    throw e;
  }
  return {
    stats,
    done,
    async stop() {
      if (!stopping) {
        stopping = true;
        await channel.cancel(consumerTag).catch(() => {});
        for (const msg of waiting.splice(0)) settle(() => channel.nack(msg, false, true));
      }
      await running;
      resolveDone(); // no effect if it already failed
      await channel.close().catch(() => {});
    },
  };
}

/** Writes an ack or nack; false when the channel is gone (the broker then requeues the message itself). */
function settle(write: () => void): boolean {
  try {
    write();
    return true;
  } catch {
    return false;
  }
}
