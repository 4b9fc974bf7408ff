// pnpm --filter poc-rabbitmq-delayed-retry bench: a dependency outage, back-off vs immediate requeue, side
// by side (compareRounds: rounds interleaved and rotated by the harness, ratios within a round).
// Each sample: fresh queues filled with MESSAGES persistent messages (confirmed, untimed), then a consumer
// starts; the handler fails while the "dependency" is down (OUTAGE_MS from the consumer's start, on this
// process's clock) and succeeds after. Timed from the consumer's start to the last message handled. Both sides get the same outage, the same
// messages, one consumer with the same prefetch on its own connection. Handler calls per message are
// recorded as facts (medians over the rounds).
import { amqpNamespace, benchProfile, benchReport, compareRounds, serverFor, type RoundSample } from '@poc/harness';
import { runMain } from '@poc/kit';
import type { ChannelModel } from 'amqplib';
import { assertRetryQueues, delayedRetryConsumer, type DelayedRetryOptions } from '../src/index.ts';
import { immediateRequeueConsumer } from '../src/naive.ts';

const SHORT = benchProfile() === 'short';
const MESSAGES = SHORT ? 20 : 50;
const OUTAGE_MS = 300;
const DELAYS_MS = [50, 100, 200, 400];
const MAX_ATTEMPTS = 8;
const PREFETCH = 10;
const ROUNDS = 6;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

runMain(async () => {
  const server = await serverFor('rabbitmq');
  const ns = await amqpNamespace({ name: 'dretry_bench' });
  const extra: string[] = []; // wait and parking queues, deleted at the end
  try {
    const conn: ChannelModel = await ns.connect();
    const consumerConn: ChannelModel = await ns.connect();
    const report = benchReport({
      parameters: {
        messages: MESSAGES,
        outageMs: OUTAGE_MS,
        outage: 'the handler throws until outageMs after the consumer starts, then succeeds',
        delaysMs: DELAYS_MS.join(', '),
        maxAttempts: MAX_ATTEMPTS,
        prefetch: PREFETCH,
        consumer: 'one, own connection; back-off re-publishes with confirms before the ack',
        timed: 'consumer start (queue pre-filled, untimed) -> last message handled',
        durability:
          'durable queues, persistent messages, publisher confirms on publish and on every retry (immediate requeue: nack, nothing re-published)',
        broker: `RabbitMQ ${server.version} (${server.provider})`,
        rounds: ROUNDS,
        warmup: '1 untimed sample per variant',
      },
      services: ['rabbitmq'],
    });
    let sample = 0;
    const callsPerMessage: Record<string, number[]> = { 'back-off': [], 'immediate requeue': [] };
    const run =
      (label: 'back-off' | 'immediate requeue', make: typeof delayedRetryConsumer<{ n: number }>) =>
      async (): Promise<RoundSample> => {
        const queue = ns.name(`q${sample++}`);
        extra.push(...DELAYS_MS.map((d) => `${queue}.wait.${d}`), `${queue}.parking`);
        let calls = 0;
        let handled = 0;
        let t0 = Infinity;
        let done!: () => void;
        const finished = new Promise<void>((r) => (done = r));
        const options: DelayedRetryOptions<{ n: number }> = {
          queue,
          delaysMs: DELAYS_MS,
          maxAttempts: MAX_ATTEMPTS,
          prefetch: PREFETCH,
          handler: () => {
            calls++;
            if (performance.now() - t0 < OUTAGE_MS) throw new Error('dependency down');
            if (++handled === MESSAGES) done();
          },
        };
        // Fill the work queue first (one confirm channel, untimed), then start the consumer and the outage.
        await assertRetryQueues(conn, queue, DELAYS_MS);
        const pub = await conn.createConfirmChannel();
        for (let n = 0; n < MESSAGES; n++)
          pub.sendToQueue(queue, Buffer.from(JSON.stringify({ n })), { persistent: true });
        await pub.waitForConfirms();
        await pub.close();
        t0 = performance.now();
        const consumer = await make(consumerConn, options);
        await finished;
        const seconds = (performance.now() - t0) / 1000;
        await consumer.stop();
        if (consumer.stats.parked !== 0) throw new Error(`${label}: ${consumer.stats.parked} parked`);
        callsPerMessage[label]!.push(calls / MESSAGES);
        return { ops: MESSAGES, seconds, errors: 0 };
      };
    const variants = {
      'back-off': run('back-off', delayedRetryConsumer),
      'immediate requeue': run('immediate requeue', immediateRequeueConsumer),
    };
    for (const v of Object.values(variants)) await v(); // warm-up
    callsPerMessage['back-off'] = [];
    callsPerMessage['immediate requeue'] = [];
    report.add(
      await compareRounds({
        id: 'outage',
        title: `${MESSAGES} messages through a ${OUTAGE_MS} ms dependency outage: messages/s to all handled`,
        variants,
        rounds: ROUNDS,
        unit: 'msg/s',
      }),
    );
    report.add({
      id: 'calls-backoff',
      title: 'Handler calls per message, back-off (median of rounds)',
      value: median(callsPerMessage['back-off']!),
    });
    report.add({
      id: 'calls-requeue',
      title: 'Handler calls per message, immediate requeue (median of rounds)',
      value: median(callsPerMessage['immediate requeue']!),
    });
    await report.finish(
      'Own claim (no roadmap figure for #67): through a {param:outageMs} ms outage immediate requeue calls the handler {fact:calls-requeue} times per message against {fact:calls-backoff} with back-off; completion rate immediate ÷ back-off = {ratio:outage/immediate requeue}.',
    );
  } finally {
    const ch = await (await ns.connect()).createChannel().catch(() => undefined);
    for (const q of extra) await ch?.deleteQueue(q).catch(() => {});
    await ns.close();
  }
});
