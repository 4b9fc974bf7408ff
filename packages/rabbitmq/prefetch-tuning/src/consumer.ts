// A consumer whose two knobs are explicit: `prefetch` (basic.qos: how many unacked messages the broker may
// push to it) and `concurrency` (how many handlers it runs at once). What the broker pushed beyond the
// running handlers waits in the consumer's buffer, unacked; each delivery reports how long it waited
// there — the latency a deep prefetch adds. Acks are written after the handler returned (at-least-once).
import type { ChannelModel, ConsumeMessage } from 'amqplib';
import { PrefetchTuningServiceError, amqpCall, check } from './errors.ts';

export interface Delivery {
  messageId: string | undefined;
  /** The broker handed it out before (a consumer died or gave it back unacked). */
  redelivered: boolean;
  /** Time between its arrival at this consumer and its handler's start, in ms: time spent prefetched. */
  waitedMs: number;
}

export interface ConsumerOptions<T> {
  /** Unacked messages the broker may push to this consumer (basic.qos, per consumer): 1..65535, or 0 = unlimited. */
  prefetch: number;
  /** Handlers running at once (default 1); at most `prefetch` (more could never fill). */
  concurrency?: number;
  /** Handles one message; it is acked after this resolves. Throwing settles it by `onFailure`. */
  handler: (payload: T, delivery: Delivery) => Promise<void> | void;
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

export interface TunedConsumer {
  readonly prefetch: number;
  readonly concurrency: number;
  readonly stats: ConsumerStats;
  /** Resolves after stop(); rejects with PrefetchTuningServiceError if the channel closes under the consumer. */
  readonly done: Promise<void>;
  /** Cancels, gives back (requeues) what it had not started, waits for running handlers, closes its channel. */
  stop(): Promise<void>;
}

const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');

export function checkConnection(connection: unknown, name = 'connection'): asserts connection is ChannelModel {
  check.kind(
    hasMethods(connection, 'createChannel', 'createConfirmChannel'),
    name,
    'must be an amqplib connection (what amqplib.connect() resolves with)',
    connection,
  );
}

export function checkQueue(queue: unknown): asserts queue is string {
  check.name('queue', queue);
  check.that(!queue.startsWith('amq.'), 'queue', 'must not start with "amq." (reserved by the broker)', queue);
}

/** Checks the options; `prefetch` fixed by the naive variant (unlimited) is checked the same way. */
export function checkConsumerOptions<T>(options: ConsumerOptions<T>): Required<Omit<ConsumerOptions<T>, 'handler'>> {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.fn('options.handler', options.handler);
  check.intIn('options.prefetch', options.prefetch, 0, 65535);
  const concurrency = options.concurrency ?? 1;
  check.intIn('options.concurrency', concurrency, 1, 65535);
  check.that(
    options.prefetch === 0 || concurrency <= options.prefetch,
    'options.concurrency',
    `must be at most options.prefetch (${options.prefetch}): handlers beyond it never get a message`,
    concurrency,
  );
  const onFailure = options.onFailure ?? 'reject';
  check.oneOf('options.onFailure', onFailure, ['reject', 'requeue'] as const);
  return { prefetch: options.prefetch, concurrency, onFailure };
}

/** Consumes `queue` (declared durable if missing) with the given prefetch and concurrency; acks after each handler. */
export async function tunedConsumer<T>(
  connection: ChannelModel,
  queue: string,
  options: ConsumerOptions<T>,
): Promise<TunedConsumer> {
  checkConnection(connection);
  checkQueue(queue);
  const { prefetch, concurrency, onFailure } = checkConsumerOptions(options);
  const { handler } = options;

  const channel = await amqpCall('opening a channel', () => connection.createChannel());
  channel.on('error', () => {}); // reported through `done`
  const stats: ConsumerStats = { received: 0, acked: 0, rejected: 0, requeued: 0 };
  const waiting: Array<{ msg: ConsumeMessage; arrived: number }> = [];
  let running = 0;
  const idle: Array<() => void> = [];
  let state: 'running' | 'stopping' | 'stopped' | 'failed' = 'running';
  let resolveDone!: () => void;
  let rejectDone!: (e: unknown) => void;
  const done = new Promise<void>((resolve, reject) => ((resolveDone = resolve), (rejectDone = reject)));
  done.catch(() => {}); // observed by whoever awaits it; never an unhandled rejection

  const fail = (message: string, cause?: unknown): void => {
    if (state !== 'running' && state !== 'stopping') return;
    state = 'failed';
    waiting.length = 0; // the broker takes them back with the channel
    rejectDone(new PrefetchTuningServiceError(message, { cause }));
  };
  channel.on('close', () => fail(`the channel consuming queue "${queue}" closed under the consumer`));

  const settle = (write: () => void): boolean => {
    try {
      write();
      return true;
    } catch (e) {
      fail(`settling a message of queue "${queue}" failed: the channel is gone`, e);
      return false;
    }
  };
  const handle = async (msg: ConsumeMessage, arrived: number): Promise<void> => {
    const delivery: Delivery = {
      messageId: msg.properties.messageId as string | undefined,
      redelivered: msg.fields.redelivered,
      waitedMs: performance.now() - arrived,
    };
    try {
      await handler(JSON.parse(msg.content.toString()) as T, delivery);
    } catch {
      const requeue = onFailure === 'requeue';
      if (settle(() => channel.nack(msg, false, requeue))) stats[requeue ? 'requeued' : 'rejected']++;
      return;
    }
    if (settle(() => channel.ack(msg))) stats.acked++; // after the work: a crash before this redelivers it
  };
  const pump = (): void => {
    while (state === 'running' && running < concurrency && waiting.length > 0) {
      const { msg, arrived } = waiting.shift()!;
      running++;
      void handle(msg, arrived).finally(() => {
        running--;
        if (running === 0) for (const wake of idle.splice(0)) wake();
        pump();
      });
    }
  };

  let consumerTag = '';
  try {
    await amqpCall(`consuming queue "${queue}"`, async () => {
      await channel.assertQueue(queue, { durable: true });
      await channel.prefetch(prefetch); // per consumer (global = false): each consumer its own window
      ({ consumerTag } = await channel.consume(
        queue,
        (msg) => {
          if (!msg) return fail(`the broker cancelled the consumer of queue "${queue}" (was it deleted?)`);
          stats.received++;
          waiting.push({ msg, arrived: performance.now() });
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
    prefetch,
    concurrency,
    stats,
    done,
    async stop() {
      if (state === 'running') {
        state = 'stopping';
        await channel.cancel(consumerTag).catch(() => {});
        for (const { msg } of waiting.splice(0)) settle(() => channel.nack(msg, false, true));
      }
      while (running > 0) await new Promise<void>((wake) => idle.push(wake));
      if (state === 'stopping') {
        state = 'stopped';
        resolveDone();
      }
      await channel.close().catch(() => {});
    },
  };
}
