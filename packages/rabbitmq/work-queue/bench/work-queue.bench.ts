// pnpm --filter poc-rabbitmq-work-queue bench
// 1. Consume throughput vs prefetch: a queue pre-filled with MESSAGES persistent messages (untimed), then
//    WORKERS workers (one handler at a time each) drain it; timed from the first delivery to the last ack.
//    Twice: with a no-op handler (the round trip dominates) and with a 1 ms handler (simulated I/O).
// 2. Publish throughput: PUBLISHES persistent messages to a durable queue without confirms, with a confirm
//    awaited per message, and in batches that wait once for all confirms. Before each sample the queue is
//    purged; after it the bench checks that every message arrived (untimed).
// Rounds are interleaved and rotated; ratios are taken within a round (variant ÷ baseline msgs/s).
import { setTimeout as sleep } from 'node:timers/promises';
import { runMain } from '@poc/kit';
import { amqpNamespace, benchReport, eventually, summarize, type Comparison } from '@poc/harness';
import type { ChannelModel } from 'amqplib';
import { publisher, worker, type Publisher } from '../src/index.ts';

const MESSAGES = 3_000;
const WORKERS = 2;
const PUBLISHES = 2_000;
const BATCH = 100;
const CONSUME_ROUNDS = 3;
const PUBLISH_ROUNDS = 5;
const PREFETCH = { 'prefetch 1': 1, 'prefetch 10': 10, 'prefetch 100': 100, unlimited: 0 } as const;

interface Job {
  n: number;
}

const log = (line: string): void => void process.stderr.write(`  ${line}\n`);

/** Runs every variant once per round, in a rotated order; each returns messages per second. */
async function interleaved(
  id: string,
  title: string,
  rounds: number,
  variants: Record<string, () => Promise<number>>,
): Promise<Comparison> {
  const names = Object.keys(variants);
  const base = names[0]!;
  const perRound: Array<Record<string, number>> = [];
  for (let round = 0; round < rounds; round++) {
    const rate: Record<string, number> = {};
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length]!;
      rate[name] = await variants[name]!();
    }
    perRound.push(rate);
    log(`${id} round ${round + 1}/${rounds}: ${names.map((n) => `${n} ${Math.round(rate[n]!)} msg/s`).join(', ')}`);
  }
  return {
    id,
    title,
    kind: 'throughput',
    baseline: base,
    rounds,
    variants: names.map((name) => ({ name, opsPerSec: summarize(perRound.map((r) => r[name]!)), errors: 0 })),
    ratios: names
      .filter((n) => n !== base)
      .map((variant) => {
        const s = summarize(perRound.map((r) => r[variant]! / r[base]!));
        return { variant, baseline: base, median: s.median, min: s.min, max: s.max };
      }),
  };
}

runMain(async () => {
  const ns = await amqpNamespace({ name: 'wqbench' });
  try {
    const conns: ChannelModel[] = await Promise.all(Array.from({ length: WORKERS + 1 }, () => ns.connect()));
    const [pubConn, ...workerConns] = conns as [ChannelModel, ...ChannelModel[]];
    const admin = await pubConn.createChannel();
    const messageCount = async (queue: string): Promise<number> => (await admin.checkQueue(queue)).messageCount;

    // --- 1. consume throughput vs prefetch ---------------------------------------------------------
    const consumeQueue = ns.name('consume');
    const filler = await publisher<Job>(pubConn, consumeQueue);
    const fill = async (): Promise<void> => {
      for (let i = 0; i < MESSAGES; i += 500)
        await filler.publishAll(Array.from({ length: 500 }, (_, k) => ({ n: i + k })));
    };
    const drain = (prefetch: number, handler: () => Promise<void>) => async (): Promise<number> => {
      await fill();
      let acked = 0;
      let allAcked!: () => void;
      const finished = new Promise<void>((resolve) => (allAcked = resolve));
      let t0 = 0; // the first delivery: opening channels and consumers is not part of the rate
      const workers = await Promise.all(
        workerConns.map((c) =>
          worker<Job>(c, consumeQueue, {
            prefetch,
            concurrency: 1,
            handler: async () => {
              t0 ||= performance.now();
              await handler();
              if (++acked === MESSAGES) allAcked(); // its ack is written right after this handler returns
            },
          }),
        ),
      );
      await finished;
      const seconds = (performance.now() - t0) / 1_000;
      await Promise.all(workers.map((w) => w.stop()));
      const left = await messageCount(consumeQueue);
      if (left !== 0 || acked !== MESSAGES)
        throw new Error(`prefetch ${prefetch}: ${acked} acked, ${left} left in the queue`);
      return MESSAGES / seconds;
    };
    const noop = async (): Promise<void> => {};
    const oneMs = async (): Promise<void> => void (await sleep(1));
    const sweep = (handler: () => Promise<void>): Record<string, () => Promise<number>> =>
      Object.fromEntries(Object.entries(PREFETCH).map(([name, p]) => [name, drain(p, handler)]));

    const consumeNoop = await interleaved(
      'consume-noop',
      `Consume ${MESSAGES} messages, ${WORKERS} workers x 1 handler, no-op handler: msg/s by prefetch`,
      CONSUME_ROUNDS,
      sweep(noop),
    );
    const consume1ms = await interleaved(
      'consume-1ms',
      `Consume ${MESSAGES} messages, ${WORKERS} workers x 1 handler, 1 ms handler: msg/s by prefetch`,
      CONSUME_ROUNDS,
      sweep(oneMs),
    );
    await filler.close();

    // --- 2. publish throughput with and without confirms ------------------------------------------
    const publishQueue = ns.name('publish');
    const plain = await publisher<Job>(pubConn, publishQueue, { confirms: false });
    const confirming = await publisher<Job>(pubConn, publishQueue);
    const payloads = Array.from({ length: PUBLISHES }, (_, n) => ({ n }));
    const timedPublish =
      (run: (p: Publisher<Job>) => Promise<void>, p: Publisher<Job>) => async (): Promise<number> => {
        await admin.purgeQueue(publishQueue);
        const t0 = performance.now();
        await run(p);
        const seconds = (performance.now() - t0) / 1_000;
        // Untimed: every message must be in the queue (without confirms, eventually).
        await eventually(async () => (await messageCount(publishQueue)) === PUBLISHES, {
          timeoutMs: 30_000,
          what: `${PUBLISHES} messages in the queue`,
        });
        return PUBLISHES / seconds;
      };
    const publishComparison = await interleaved(
      'publish',
      `Publish ${PUBLISHES} persistent messages to a durable queue: msg/s`,
      PUBLISH_ROUNDS,
      {
        'no confirms': timedPublish(async (p) => void (await p.publishAll(payloads)), plain),
        'confirm each (await every publish)': timedPublish(async (p) => {
          for (const job of payloads) await p.publish(job);
        }, confirming),
        [`confirm per batch of ${BATCH}`]: timedPublish(async (p) => {
          for (let i = 0; i < PUBLISHES; i += BATCH) await p.publishAll(payloads.slice(i, i + BATCH));
        }, confirming),
        [`confirm all ${PUBLISHES} at once`]: timedPublish(
          async (p) => void (await p.publishAll(payloads)),
          confirming,
        ),
      },
    );
    await plain.close();
    await confirming.close();
    await admin.close();

    const report = benchReport({
      parameters: {
        consumeMessages: MESSAGES,
        workers: `${WORKERS} (own connections, one handler at a time)`,
        handlers: 'no-op; 1 ms timer (simulated I/O)',
        publishMessages: PUBLISHES,
        batch: BATCH,
        messages: 'persistent JSON ~10 bytes, durable classic queue',
        rounds: `${CONSUME_ROUNDS} (consume), ${PUBLISH_ROUNDS} (publish)`,
      },
      services: ['rabbitmq'],
    });
    report.add(consumeNoop);
    report.add(consume1ms);
    report.add(publishComparison);

    const ratio = (c: Comparison, variant: string): string =>
      c.ratios.find((r) => r.variant === variant)!.median.toFixed(2);
    const rate = (c: Comparison, variant: string): string =>
      Math.round(c.variants.find((v) => v.name === variant)!.opsPerSec.median).toLocaleString('en-US');
    await report.finish(
      `With a no-op handler, prefetch 10 consumed ${ratio(consumeNoop, 'prefetch 10')}x and unlimited ${ratio(consumeNoop, 'unlimited')}x the msg/s of prefetch 1 ` +
        `(1 ms handler: ${ratio(consume1ms, 'prefetch 10')}x and ${ratio(consume1ms, 'unlimited')}x); ` +
        `awaiting a confirm per message published at ${ratio(publishComparison, 'confirm each (await every publish)')}x the rate of no confirms ` +
        `(${rate(publishComparison, 'confirm each (await every publish)')} vs ${rate(publishComparison, 'no confirms')} msg/s), ` +
        `batches of ${BATCH} at ${ratio(publishComparison, `confirm per batch of ${BATCH}`)}x.`,
    );
  } finally {
    await ns.close();
  }
});
