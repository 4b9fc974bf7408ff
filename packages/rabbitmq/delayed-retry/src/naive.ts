// What people write first. Not exported from the main entry: import from 'poc-rabbitmq-delayed-retry/naive'.
//   immediateRequeueConsumer — nack(requeue = true) on failure: the message is back at the head of the
//     queue at once, so a failing handler is called again and again, as fast as the broker can redeliver,
//     with no back-off and no attempt limit.
//   singleWaitQueue — one wait queue with a TTL per MESSAGE (expiration): RabbitMQ expires messages only at
//     the head of a queue, so a short-delay message waits behind a long-delay one.
import type { ChannelModel, ConsumeMessage } from 'amqplib';
import { amqpCall, check } from './errors.ts';
import {
  checkConnection,
  consumerContext,
  type DelayedRetryConsumer,
  type DelayedRetryOptions,
  type RetryStats,
} from './delayed-retry.ts';

/** Same options as delayedRetryConsumer (delaysMs and maxAttempts are ignored: that is the bug). */
export async function immediateRequeueConsumer<T>(
  connection: ChannelModel,
  options: DelayedRetryOptions<T>,
): Promise<DelayedRetryConsumer> {
  const ctx = consumerContext(connection, options);
  const channel = await amqpCall('opening a channel', () => connection.createChannel());
  channel.on('error', () => {});
  const stats: RetryStats = { handled: 0, failures: 0, retried: 0, parked: 0 };
  await channel.assertQueue(ctx.queues.work, { durable: true });
  await channel.prefetch(ctx.prefetch);
  const onMessage = async (msg: ConsumeMessage): Promise<void> => {
    try {
      await ctx.handler(JSON.parse(msg.content.toString()) as T, {
        attempt: 0,
        messageId: msg.properties.messageId as string | undefined,
        deaths: [],
      });
      channel.ack(msg);
      stats.handled++;
    } catch {
      stats.failures++;
      stats.retried++;
      channel.nack(msg, false, true);
    }
  };
  const { consumerTag } = await channel.consume(ctx.queues.work, (msg) => msg && void onMessage(msg));
  return {
    queues: ctx.queues,
    stats,
    async stop() {
      await channel.cancel(consumerTag).catch(() => {});
      await channel.close().catch(() => {});
    },
  };
}

/** One wait queue dead-lettering to `target`; each message carries its own delay as `expiration`. */
export async function singleWaitQueue(connection: ChannelModel, waitQueue: string, target: string) {
  checkConnection(connection);
  check.name('waitQueue', waitQueue);
  check.name('target', target);
  const ch = await amqpCall('opening a confirm channel', () => connection.createConfirmChannel());
  await amqpCall('declaring the wait queue', async () => {
    await ch.assertQueue(target, { durable: true });
    await ch.assertQueue(waitQueue, {
      durable: true,
      arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': target },
    });
  });
  return {
    /** Parks `payload` for `delayMs` (per-message TTL), confirmed. */
    async delay(payload: unknown, delayMs: number): Promise<void> {
      check.positiveInt('delayMs', delayMs);
      ch.sendToQueue(waitQueue, Buffer.from(JSON.stringify(payload)), {
        persistent: true,
        expiration: String(delayMs),
      });
      await ch.waitForConfirms();
    },
    close: () => ch.close().catch(() => {}),
  };
}
