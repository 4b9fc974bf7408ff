// Retry with back-off on plain RabbitMQ (no delayed-message plugin): a failed message is re-published,
// confirmed, to the wait queue of its back-off level, then acked. Each wait queue has ONE TTL
// (x-message-ttl) and dead-letters to the default exchange with the work queue's name, so a message
// expires at the head of its queue and flows back to the work queue after exactly that level's delay.
// Attempts are counted in a header (x-retry-attempt; the broker's x-death records every trip too); after
// maxAttempts a message goes to the parking queue, nothing is dropped. At-least-once: a crash between the
// confirmed re-publish and the ack can run a message once more.
import { systemClock, type Clock } from '@poc/kit';
import type { ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { amqpCall, check } from './errors.ts';

/** Header carrying how many times the handler has already failed on this message. */
export const ATTEMPT_HEADER = 'x-retry-attempt';
/** Header carrying the handler's last error message (on retried and parked messages). */
export const ERROR_HEADER = 'x-retry-last-error';

export interface RetryQueues {
  /** The work queue the handler consumes. */
  readonly work: string;
  /** One wait queue per back-off level, `${work}.wait.${delayMs}`. */
  readonly wait: readonly string[];
  /** Where a message goes after maxAttempts failures. */
  readonly parking: string;
  readonly delaysMs: readonly number[];
}

export interface DelayedRetryOptions<T> {
  /** The work queue (durable); the wait and parking queues are named after it. */
  queue: string;
  /** Back-off per retry, one wait queue each: [100, 400, 1600] waits 100 ms before the 2nd attempt ... */
  delaysMs: readonly number[];
  /** Total handler calls per message before it is parked (default delaysMs.length + 1; later retries reuse the last level). */
  maxAttempts?: number;
  /** Processes one message; throwing schedules a retry (or parks it). */
  handler: (payload: T, delivery: RetryDelivery) => Promise<void> | void;
  /** Unacked messages per consumer (default 10). */
  prefetch?: number;
  /** Time as the consumer sees it (default systemClock): stamped as `timestamp` on each retry. */
  clock?: Clock;
}

export interface RetryDelivery {
  /** 1 on the first call, 2 after one failure ... */
  attempt: number;
  messageId: string | undefined;
  /** The broker's x-death entries: one per (queue, reason), with `count` and `time` (seconds, broker clock). */
  deaths: ReadonlyArray<{ queue: string; reason: string; count: number; time: Date | undefined }>;
}

export interface RetryStats {
  handled: number;
  failures: number;
  retried: number;
  parked: number;
}

export interface DelayedRetryConsumer {
  readonly queues: RetryQueues;
  readonly stats: RetryStats;
  stop(): Promise<void>;
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

/** The names and TTLs of the topology, checked. */
export function retryQueueNames(queue: string, delaysMs: readonly number[]): RetryQueues {
  check.name('options.queue', queue);
  check.that(!queue.startsWith('amq.'), 'options.queue', 'must not start with "amq." (reserved by the broker)', queue);
  check.that(Array.isArray(delaysMs) && delaysMs.length > 0, 'options.delaysMs', 'must be a non-empty array', delaysMs);
  delaysMs.forEach((d, i) => check.positiveInt(`options.delaysMs[${i}]`, d));
  return {
    work: queue,
    wait: delaysMs.map((d) => `${queue}.wait.${d}`),
    parking: `${queue}.parking`,
    delaysMs: [...delaysMs],
  };
}

/**
 * Declares the work queue, one wait queue per level (x-message-ttl = that level's delay, dead-lettering to
 * the default exchange with the work queue's name) and the parking queue. All durable; idempotent.
 */
export async function assertRetryQueues(
  connection: ChannelModel,
  queue: string,
  delaysMs: readonly number[],
): Promise<RetryQueues> {
  checkConnection(connection);
  const q = retryQueueNames(queue, delaysMs);
  const ch = await amqpCall('opening a channel', () => connection.createChannel());
  try {
    await amqpCall(`declaring the queues of "${queue}"`, async () => {
      await ch.assertQueue(q.work, { durable: true });
      await ch.assertQueue(q.parking, { durable: true });
      for (const [i, name] of q.wait.entries())
        await ch.assertQueue(name, {
          durable: true,
          arguments: {
            'x-message-ttl': q.delaysMs[i],
            'x-dead-letter-exchange': '',
            'x-dead-letter-routing-key': q.work,
          },
        });
    });
  } finally {
    await ch.close().catch(() => {});
  }
  return q;
}

export function deathsOf(msg: ConsumeMessage): RetryDelivery['deaths'] {
  const raw = msg.properties.headers?.['x-death'] as Array<Record<string, unknown>> | undefined;
  return (raw ?? []).map((d) => ({
    queue: String(d.queue),
    reason: String(d.reason),
    count: Number(d.count),
    time: d.time === undefined ? undefined : new Date(Number((d.time as { value?: unknown }).value ?? d.time) * 1000),
  }));
}

export interface ConsumerContext<T> {
  readonly connection: ChannelModel;
  readonly queues: RetryQueues;
  readonly maxAttempts: number;
  readonly handler: DelayedRetryOptions<T>['handler'];
  readonly prefetch: number;
  readonly clock: Clock;
}

export function consumerContext<T>(connection: ChannelModel, options: DelayedRetryOptions<T>): ConsumerContext<T> {
  checkConnection(connection);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const queues = retryQueueNames(options.queue, options.delaysMs);
  const maxAttempts = options.maxAttempts ?? options.delaysMs.length + 1;
  check.intIn('options.maxAttempts', maxAttempts, 1, 1000);
  check.fn('options.handler', options.handler);
  const prefetch = options.prefetch ?? 10;
  check.intIn('options.prefetch', prefetch, 1, 65535);
  const clock = options.clock ?? systemClock;
  check.kind(hasMethods(clock, 'now', 'sleep', 'schedule'), 'options.clock', 'must be a Clock', clock);
  return { connection, queues, maxAttempts, handler: options.handler, prefetch, clock };
}

/**
 * Consumes the work queue: a message whose handler throws goes, confirmed, to the wait queue of its level
 * (attempt 1 -> delaysMs[0] ...) or, after maxAttempts calls, to the parking queue; the original is acked
 * only after that publish is confirmed, so a crash in between redelivers it (at-least-once), never loses it.
 */
export async function delayedRetryConsumer<T>(
  connection: ChannelModel,
  options: DelayedRetryOptions<T>,
): Promise<DelayedRetryConsumer> {
  const ctx = consumerContext(connection, options);
  const { queues } = ctx;
  await assertRetryQueues(connection, queues.work, queues.delaysMs);
  const channel: ConfirmChannel = await amqpCall('opening a confirm channel', () => connection.createConfirmChannel());
  channel.on('error', () => {});
  const stats: RetryStats = { handled: 0, failures: 0, retried: 0, parked: 0 };

  const onMessage = async (msg: ConsumeMessage): Promise<void> => {
    const headers = msg.properties.headers ?? {};
    const failed = Number(headers[ATTEMPT_HEADER] ?? 0);
    const attempt = failed + 1;
    try {
      const payload = JSON.parse(msg.content.toString()) as T;
      await ctx.handler(payload, {
        attempt,
        messageId: msg.properties.messageId as string | undefined,
        deaths: deathsOf(msg),
      });
      channel.ack(msg);
      stats.handled++;
      return;
    } catch (e) {
      stats.failures++;
      const park = attempt >= ctx.maxAttempts;
      const level = Math.min(failed, queues.wait.length - 1);
      const target = park ? queues.parking : queues.wait[level]!;
      try {
        await new Promise<void>((resolve, reject) =>
          channel.sendToQueue(
            target,
            msg.content,
            {
              ...msg.properties,
              persistent: true,
              timestamp: ctx.clock.now(),
              headers: {
                ...headers,
                [ATTEMPT_HEADER]: attempt,
                [ERROR_HEADER]: e instanceof Error ? e.message : String(e),
              },
            },
            (err) => (err ? reject(err as Error) : resolve()),
          ),
        );
        channel.ack(msg);
        if (park) stats.parked++;
        else stats.retried++;
      } catch {
        channel.nack(msg, false, true); // not confirmed: leave it with the broker, it comes back
      }
    }
  };

  let consumerTag = '';
  await amqpCall(`consuming "${queues.work}"`, async () => {
    await channel.prefetch(ctx.prefetch);
    ({ consumerTag } = await channel.consume(queues.work, (msg) => msg && void onMessage(msg), { noAck: false }));
  });
  return {
    queues,
    stats,
    async stop() {
      await channel.cancel(consumerTag).catch(() => {});
      await channel.close().catch(() => {});
    },
  };
}

/** Publishes a message to the work queue, persistent and confirmed. */
export async function publishWork(
  connection: ChannelModel,
  queue: string,
  payload: unknown,
  messageId?: string,
): Promise<void> {
  checkConnection(connection);
  check.name('queue', queue);
  const ch = await amqpCall('opening a confirm channel', () => connection.createConfirmChannel());
  try {
    await amqpCall(`publishing to "${queue}"`, async () => {
      ch.sendToQueue(queue, Buffer.from(JSON.stringify(payload)), { persistent: true, messageId });
      await ch.waitForConfirms();
    });
  } finally {
    await ch.close().catch(() => {});
  }
}
