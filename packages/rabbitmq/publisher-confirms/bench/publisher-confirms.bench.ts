// pnpm --filter poc-rabbitmq-publisher-confirms bench: the three confirm strategies, and
// amqp-connection-manager's confirm channel, publishing the same MESSAGES persistent messages of SIZE
// bytes to a durable queue, each timed from the first publish to the last confirm ("all confirmed").
// Every variant has its own connection (opened untimed) and its own queue, purged before each sample
// (untimed); one untimed warm-up sample each; rounds interleaved and rotated by the harness
// (compareRounds), ratios taken within a round against streaming.
import { amqpNamespace, benchProfile, benchReport, compareRounds, serverFor, type RoundSample } from '@poc/harness';
import { runMain } from '@poc/kit';
import acm from 'amqp-connection-manager';
import type { ConfirmChannel } from 'amqplib';
import {
  confirmPublisher,
  publishEach,
  publishInBatches,
  publishStreaming,
  type Message,
  type PublishReport,
  type Publisher,
} from '../src/index.ts';
import { brokerStorage } from './storage.ts';

const SHORT = benchProfile() === 'short';
const MESSAGES = SHORT ? 300 : 2_000;
const SIZE = 512;
const BATCH = 100;
const WINDOW = 100;
const WIDE_WINDOW = 1_000;
const ROUNDS = 6; // the harness's interval reaches 95% from 6 rounds

runMain(async () => {
  const server = await serverFor('rabbitmq');
  const ns = await amqpNamespace({ name: 'pcbench' });
  try {
    const report = benchReport({
      parameters: {
        messages: `${MESSAGES} per sample, ${SIZE} bytes each, persistent (delivery mode 2), mandatory`,
        queue: 'durable classic queue (RabbitMQ defaults), one per variant, purged before each sample (untimed)',
        timed: 'first publish -> last confirm (every message confirmed by the broker)',
        strategies: `one at a time (await each confirm); batches of ${BATCH} (publish ${BATCH}, wait for all ${BATCH}); streaming (at most ${WINDOW}, or ${WIDE_WINDOW}, waiting for a confirm)`,
        'amqp-connection-manager':
          '5.0.0, ChannelWrapper with confirm: true (its default) and a setup that asserts the queue, as its README shows; sendToQueue() for every message, then await all of their promises (each resolves on its confirm)',
        connections: '1 per variant, opened before timing',
        durability: `RabbitMQ defaults: a persistent message on a durable queue is confirmed once written to the node's message store; node data ${brokerStorage(server.url, server.provider)}`,
        rounds: ROUNDS,
        warmup: '1 untimed sample per variant',
      },
      services: ['rabbitmq'],
    });

    const admin = await (await ns.connect()).createChannel();
    const body = Buffer.alloc(SIZE, 7);
    const batchFor = (queue: string, round: number): Message[] =>
      Array.from({ length: MESSAGES }, (_, i) => ({ routingKey: queue, body, messageId: `${round}-${i}` }));
    const durable = (queue: string) => (ch: ConfirmChannel) => ch.assertQueue(queue, { durable: true });
    let sample = 0;

    /** A variant of this package: its own publisher and queue; the strategy runs timed, a purge untimed. */
    async function ours(name: string, run: (p: Publisher, ms: Message[]) => Promise<PublishReport>) {
      const queue = ns.name(name);
      const publisher = await confirmPublisher(() => ns.connect(), { setup: durable(queue) });
      return {
        publisher,
        run: async (): Promise<RoundSample> => {
          await admin.purgeQueue(queue);
          const messages = batchFor(queue, sample++);
          const t0 = performance.now();
          const r = await run(publisher, messages);
          const seconds = (performance.now() - t0) / 1_000;
          return { ops: MESSAGES, seconds, errors: MESSAGES - r.confirmed.length };
        },
      };
    }
    const each = await ours('each', (p, ms) => publishEach(p, ms));
    const batches = await ours('batches', (p, ms) => publishInBatches(p, ms, { batchSize: BATCH }));
    const streaming = await ours('streaming', (p, ms) => publishStreaming(p, ms, { window: WINDOW }));
    const wide = await ours('wide', (p, ms) => publishStreaming(p, ms, { window: WIDE_WINDOW }));

    const acmQueue = ns.name('acm');
    const manager = acm.connect([server.url]);
    const wrapper = manager.createChannel({ setup: durable(acmQueue) }); // confirm: true is its default
    await wrapper.waitForConnect();
    const viaAcm = async (): Promise<RoundSample> => {
      await admin.purgeQueue(acmQueue);
      const round = sample++;
      const t0 = performance.now();
      const outcomes = await Promise.allSettled(
        Array.from({ length: MESSAGES }, (_, i) =>
          wrapper.sendToQueue(acmQueue, body, { persistent: true, mandatory: true, messageId: `${round}-${i}` }),
        ),
      );
      const seconds = (performance.now() - t0) / 1_000;
      return { ops: MESSAGES, seconds, errors: outcomes.filter((o) => o.status === 'rejected').length };
    };

    const variants = {
      [`streaming, window ${WINDOW}`]: streaming.run,
      'one at a time': each.run,
      [`batches of ${BATCH}`]: batches.run,
      [`streaming, window ${WIDE_WINDOW}`]: wide.run,
      'amqp-connection-manager': viaAcm,
    };
    for (const run of Object.values(variants)) await run(); // warm-up, untimed
    report.add(
      await compareRounds({
        id: 'confirms',
        title: `Publish ${MESSAGES} persistent ${SIZE}-byte messages to a durable queue until every one is confirmed: msg/s`,
        variants,
        rounds: ROUNDS,
        unit: 'msg/s',
      }),
    );

    await Promise.all([each, batches, streaming, wide].map((v) => v.publisher.close()));
    await wrapper.close();
    await manager.close();
    await admin.close();
    await report.finish(
      `This POC's own claim (the roadmap gives none for #65), publish rate until all ${MESSAGES} messages are confirmed, ` +
        `each ÷ streaming with a window of ${WINDOW} ({ops:confirms/streaming, window ${WINDOW}} msg/s): ` +
        `one at a time {ratio:confirms/one at a time} ({ops:confirms/one at a time} msg/s); ` +
        `batches of ${BATCH} {ratio:confirms/batches of ${BATCH}}; ` +
        `streaming with a window of ${WIDE_WINDOW} {ratio:confirms/streaming, window ${WIDE_WINDOW}}; ` +
        `amqp-connection-manager's confirm channel {ratio:confirms/amqp-connection-manager}.`,
    );
  } finally {
    await ns.close();
  }
});
