// pnpm --filter poc-rabbitmq-priority bench
// 1. Overtaking (own claim: how much of a backlog goes before an urgent message, by prefetch): a fresh queue
//    holds BACKLOG messages of priority 1; one consumer (one handler at a time, HANDLER_MS per message)
//    drains it; after PUBLISH_AFTER are handled, an urgent message (priority 9) is published. Counted: the
//    backlog messages handled between that publish and the urgent handler; timed: publish -> its handler.
//    Per prefetch (1, 10, 100, unlimited) on an x-max-priority queue, and prefetch 1 on a plain queue.
//    `measure` runs the samples of one variant in a row; the counts are facts (median of the samples).
// 2. The cost of a priority queue: the same MESSAGES messages (priorities 0..9 in turn) through a plain
//    queue, x-max-priority 10 and x-max-priority 255 (256 internal queues), each sample on a fresh queue.
//    publish: all confirmed (batches of BATCH, one wait each), timed first publish -> last confirm.
//    consume: pre-filled untimed, drained by one consumer (prefetch CONSUME_PREFETCH, no-op handler),
//    timed first delivery -> last handler returned. Rounds interleaved and rotated (compareRounds).
import {
  amqpNamespace,
  benchProfile,
  benchReport,
  compareRounds,
  measure,
  serverFor,
  type RoundSample,
} from '@poc/harness';
import { runMain } from '@poc/kit';
import type { ChannelModel } from 'amqplib';
import { priorityQueue, type PriorityQueue } from '../src/index.ts';
import { naivePriorityQueue } from '../src/naive.ts';
import { overtake } from '../src/overtake.ts';

const SHORT = benchProfile() === 'short';
const BACKLOG = SHORT ? 200 : 400;
const PUBLISH_AFTER = 50;
const HANDLER_MS = 1;
const SAMPLES = 5;
const MESSAGES = SHORT ? 1_000 : 5_000;
const BATCH = 500;
const CONSUME_PREFETCH = 100;
const ROUNDS = 6;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

runMain(async () => {
  const server = await serverFor('rabbitmq');
  const ns = await amqpNamespace({ name: 'priority_bench' });
  try {
    const conn: ChannelModel = await ns.connect();
    const consumerConn: ChannelModel = await ns.connect();
    const admin = await conn.createChannel();
    let made = 0;
    /** A fresh queue of the given kind on the consumer's connection, deleted by `done()`. */
    const fresh = async (make: typeof priorityQueue, maxPriority: number) => {
      const queue = ns.name(`q${made++}`);
      const q = await make(consumerConn, { queue, maxPriority });
      return {
        q,
        done: async () => {
          await q.close();
          await admin.deleteQueue(queue);
        },
      };
    };

    const report = benchReport({
      parameters: {
        backlog: BACKLOG,
        publishAfter: PUBLISH_AFTER,
        handlerMs: `${HANDLER_MS} (a timer: simulated I/O), one handler at a time`,
        overtakeSamples: `${SAMPLES} per variant after 1 untimed, each on a fresh queue`,
        overtakeTimed: 'urgent publish started -> urgent handler started',
        costMessages: MESSAGES,
        costPriorities: '0..9 in turn (ignored by the plain queue)',
        publishTimed: `first publish -> last confirm (batches of ${BATCH}, one wait each)`,
        consumeTimed: `first delivery -> last handler returned (one consumer, prefetch ${CONSUME_PREFETCH}, no-op handler)`,
        durability:
          'durable classic queues, persistent messages, publisher confirms; RabbitMQ defaults for where and how the node writes',
        client: 'amqplib defaults (Nagle on), publisher and consumer on their own connections',
        broker: `RabbitMQ ${server.version} (${server.provider})`,
        rounds: ROUNDS,
      },
      services: ['rabbitmq'],
    });

    // --- 1. overtaking, by prefetch ------------------------------------------------------------------
    const overtakeVariants: Array<[string, string, typeof priorityQueue, number]> = [
      ['plain-p1', 'plain queue, prefetch 1', naivePriorityQueue, 1],
      ['priority-p1', 'x-max-priority 10, prefetch 1', priorityQueue, 1],
      ['priority-p10', 'x-max-priority 10, prefetch 10', priorityQueue, 10],
      ['priority-p100', 'x-max-priority 10, prefetch 100', priorityQueue, 100],
      ['priority-unlimited', 'x-max-priority 10, prefetch unlimited', priorityQueue, 0],
    ];
    for (const [id, label, make, prefetch] of overtakeVariants) {
      const counts: number[] = [];
      report.add(
        await measure({
          id: `latency-${id}`,
          title: `Urgent message, publish -> handler: ${label}`,
          samples: SAMPLES,
          run: async () => {
            const { q, done } = await fresh(make, 10);
            const r = await overtake(q, {
              backlog: BACKLOG,
              publishAfter: PUBLISH_AFTER,
              prefetch,
              handlerMs: HANDLER_MS,
            });
            await done();
            counts.push(r.handledBefore);
            return r.latencyMs;
          },
        }),
      );
      report.add({
        id: `before-${id}`,
        title: `Backlog messages handled before the urgent one: ${label} (median of samples)`,
        value: median(counts.slice(1)), // the first is the untimed warm-up
      });
    }

    // --- 2. the cost of the priority queue ---------------------------------------------------------------
    const messages = Array.from({ length: MESSAGES }, (_, i) => ({ payload: { i }, priority: i % 10 }));
    const fill = async (q: PriorityQueue): Promise<void> => {
      for (let i = 0; i < MESSAGES; i += BATCH) await q.publish(messages.slice(i, i + BATCH));
    };
    const kinds: Record<string, [typeof priorityQueue, number]> = {
      'plain queue': [naivePriorityQueue, 10],
      'x-max-priority 10': [priorityQueue, 10],
      'x-max-priority 255': [priorityQueue, 255],
    };
    const publishSample = (make: typeof priorityQueue, max: number) => async (): Promise<RoundSample> => {
      const { q, done } = await fresh(make, max);
      const t0 = performance.now();
      await fill(q);
      const seconds = (performance.now() - t0) / 1_000;
      await done();
      return { ops: MESSAGES, seconds };
    };
    const consumeSample = (make: typeof priorityQueue, max: number) => async (): Promise<RoundSample> => {
      const { q, done } = await fresh(make, max);
      await fill(q);
      let handled = 0;
      let t0 = 0;
      let t1 = 0;
      let finish!: () => void;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      const c = await q.consume({
        prefetch: CONSUME_PREFETCH,
        handler: () => {
          t0 ||= performance.now();
          if (++handled === MESSAGES) {
            t1 = performance.now();
            finish();
          }
        },
      });
      await finished;
      await c.stop();
      const errors = c.stats.rejected + c.stats.requeued;
      await done();
      return { ops: MESSAGES, seconds: (t1 - t0) / 1_000, errors };
    };
    for (const [id, sample, what] of [
      ['publish', publishSample, `Publish ${MESSAGES} persistent messages, confirmed: msg/s`],
      [
        'consume',
        consumeSample,
        `Consume ${MESSAGES} queued messages, one consumer, prefetch ${CONSUME_PREFETCH}: msg/s`,
      ],
    ] as const) {
      const variants = Object.fromEntries(
        Object.entries(kinds).map(([name, [make, max]]) => [name, sample(make, max)]),
      );
      for (const v of Object.values(variants)) await v(); // warm-up, untimed
      report.add(await compareRounds({ id, title: what, variants, rounds: ROUNDS, unit: 'msg/s' }));
    }
    await admin.close();

    await report.finish(
      'Own claim (the roadmap gives #68 none): backlog messages handled before an urgent message published mid-drain — ' +
        'plain queue {fact:before-plain-p1}; x-max-priority with prefetch 1 {fact:before-priority-p1}, 10 {fact:before-priority-p10}, ' +
        '100 {fact:before-priority-p100}, unlimited {fact:before-priority-unlimited}. ' +
        'Cost vs a plain queue: x-max-priority 10 publishes at {ratio:publish/x-max-priority 10} and consumes at {ratio:consume/x-max-priority 10}; ' +
        'x-max-priority 255 at {ratio:publish/x-max-priority 255} and {ratio:consume/x-max-priority 255}.',
    );
  } finally {
    await ns.close();
  }
});
