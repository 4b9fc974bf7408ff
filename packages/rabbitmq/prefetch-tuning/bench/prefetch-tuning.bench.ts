// pnpm --filter poc-rabbitmq-prefetch-tuning bench
// 1. The curve: a durable queue pre-filled (untimed, every message confirmed) with a backlog, then drained by
//    1 or 4 consumers (each on its own connection, one handler at a time) at prefetch 1, 10, 100 and 1000,
//    with a fast handler (no-op) and a slow one (a 2 ms timer: simulated I/O). The consumers subscribe, in
//    parallel, to the full queue, as workers do when they start or scale out after a spike; the clock runs
//    from just before they subscribe to the last handler's return (measureDrain), so what the broker pushes
//    into a deep prefetch buffer is timed too.
//    Per variant: msg/s (compareRounds: rounds interleaved and rotated, ratios within a round), the p99 of
//    the time messages waited in a consumer's buffer, and (4 consumers, slow handler) the biggest share one
//    consumer took. recommendPrefetch() reads each measured curve: the smallest prefetch within 90% of the best.
// 2. Fair dispatch: one slow (10 ms) and one fast (1 ms) consumer subscribed to an empty queue, then a batch
//    published (confirmed) to it; prefetch 1 and 10 vs the unlimited default (naiveConsumer); timed from the
//    first publish to the last message handled.
import { amqpNamespace, benchProfile, benchReport, compareRounds, serverFor, type RoundSample } from '@poc/harness';
import { runMain } from '@poc/kit';
import type { ChannelModel } from 'amqplib';
import { measureDrain, recommendPrefetch, tunedConsumer, type TunedConsumer } from '../src/index.ts';
import { naiveConsumer } from '../src/naive.ts';

const SHORT = benchProfile() === 'short';
const FAST_MESSAGES = SHORT ? 600 : 3_000;
const SLOW_MESSAGES = SHORT ? 100 : 300;
const SLOW_MS = 2;
const PREFETCHES = [1, 10, 100, 1000] as const;
const CONSUMERS = [1, 4] as const;
const MIXED_MESSAGES = SHORT ? 60 : 200;
const MIXED_SLOW_MS = 10;
const MIXED_FAST_MS = 1;
const WITHIN = 0.9;
const ROUNDS = 6;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0 ? 0 : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const round2 = (x: number): number => Math.round(x * 100) / 100;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const variantName = (consumers: number, prefetch: number): string =>
  `${consumers} consumer${consumers > 1 ? 's' : ''}, prefetch ${prefetch}`;

runMain(async () => {
  const server = await serverFor('rabbitmq');
  const ns = await amqpNamespace({ name: 'prefetch_bench' });
  try {
    const conns: ChannelModel[] = await Promise.all(Array.from({ length: 4 }, () => ns.connect()));
    const report = benchReport({
      parameters: {
        fastMessages: `${FAST_MESSAGES} (no-op handler)`,
        slowMessages: `${SLOW_MESSAGES} (${SLOW_MS} ms timer handler)`,
        prefetch: PREFETCHES.join(', '),
        consumers: `${CONSUMERS.join(' or ')}, each on its own connection, one handler at a time`,
        start: 'the queue holds the whole backlog; the consumers subscribe in parallel',
        timed:
          'consumers starting (channel, basic.qos, subscribe) -> last handler returned (its ack written right after)',
        waited: 'per message, arrival at the consumer -> handler start (nearest-rank p99, median over rounds)',
        recommendation: `smallest prefetch within ${WITHIN * 100}% of the best median msg/s of its curve`,
        mixed: `${MIXED_MESSAGES} messages published as one confirmed batch to one ${MIXED_SLOW_MS} ms and one ${MIXED_FAST_MS} ms consumer (own connections, subscribed first); timed first publish -> last handled`,
        durability:
          'durable classic queue, persistent messages, publisher confirms on the fill; RabbitMQ defaults for where and how the node writes',
        client: 'amqplib defaults (Nagle on)',
        broker: `RabbitMQ ${server.version} (${server.provider})`,
        rounds: ROUNDS,
        warmup: '1 untimed sample per variant',
      },
      services: ['rabbitmq'],
    });

    // --- 1. the curve ---------------------------------------------------------------------------------
    const curves = [
      { id: 'fast', label: 'no-op handler', messages: FAST_MESSAGES, handler: () => {} },
      { id: 'slow', label: `${SLOW_MS} ms handler`, messages: SLOW_MESSAGES, handler: () => sleep(SLOW_MS) },
    ];
    for (const curve of curves) {
      const queue = ns.name(curve.id);
      const payloads = Array.from({ length: curve.messages }, (_, n) => ({ n }));
      const waits: Record<string, number[]> = {};
      const shares: Record<string, number[]> = {};
      let warm = true;
      const variants: Record<string, () => Promise<RoundSample>> = {};
      for (const consumers of CONSUMERS)
        for (const prefetch of PREFETCHES) {
          const name = variantName(consumers, prefetch);
          variants[name] = async () => {
            const r = await measureDrain(conns.slice(0, consumers), {
              queue,
              payloads,
              prefetch,
              consumers,
              handler: curve.handler,
            });
            if (!warm) {
              (waits[name] ??= []).push(r.waitedMs.p99);
              (shares[name] ??= []).push(Math.max(...r.perConsumer) / r.messages);
            }
            return { ops: r.messages, seconds: r.seconds, errors: r.errors };
          };
        }
      for (const v of Object.values(variants)) await v(); // warm-up, untimed
      warm = false;
      const comparison = await compareRounds({
        id: curve.id,
        title: `Drain ${curve.messages} messages, ${curve.label}: msg/s by consumers and prefetch`,
        variants,
        baseline: variantName(1, 1),
        rounds: ROUNDS,
        unit: 'msg/s',
      });
      report.add(comparison);
      const rate = (name: string): number => comparison.variants.find((v) => v.name === name)!.opsPerSec.median;
      for (const consumers of CONSUMERS) {
        const points = PREFETCHES.map((prefetch) => ({ prefetch, msgPerSec: rate(variantName(consumers, prefetch)) }));
        report.add({
          id: `recommend-${curve.id}-${consumers}`,
          title: `Recommended prefetch, ${curve.label}, ${consumers} consumer${consumers > 1 ? 's' : ''} (read off the curve above)`,
          value: recommendPrefetch(points, { within: WITHIN }),
        });
      }
      for (const consumers of CONSUMERS)
        for (const prefetch of PREFETCHES) {
          const name = variantName(consumers, prefetch);
          report.add({
            id: `wait-${curve.id}-${consumers}-${prefetch}`,
            title: `p99 wait in the consumer's buffer, ${curve.label}, ${name}`,
            value: round2(median(waits[name]!)),
            unit: 'ms',
          });
          if (curve.id === 'slow' && consumers > 1)
            report.add({
              id: `share-${curve.id}-${consumers}-${prefetch}`,
              title: `Biggest share one consumer took, ${curve.label}, ${name}`,
              value: round2(median(shares[name]!)),
            });
        }
    }

    // --- 2. fair dispatch, one slow and one fast consumer --------------------------------------------------
    const mixedQueue = ns.name('mixed');
    const filler = await conns[0]!.createConfirmChannel();
    await filler.assertQueue(mixedQueue, { durable: true });
    const slowShare: Record<string, number[]> = {};
    let mixedWarm = true;
    const mixed =
      (name: string, start: (c: ChannelModel, h: () => Promise<void>) => Promise<TunedConsumer>) =>
      async (): Promise<RoundSample> => {
        let handled = 0;
        let slowDid = 0;
        let finish!: () => void;
        const finished = new Promise<void>((resolve) => (finish = resolve));
        let last = 0;
        const handler = (ms: number, slow: boolean) => async () => {
          await sleep(ms);
          if (slow) slowDid++;
          if (++handled === MIXED_MESSAGES) {
            last = performance.now();
            finish();
          }
        };
        // Both subscribe to the empty queue first, so the broker's dispatch, not who subscribed first, splits the work.
        const consumers = [
          await start(conns[0]!, handler(MIXED_SLOW_MS, true)),
          await start(conns[1]!, handler(MIXED_FAST_MS, false)),
        ];
        const t0 = performance.now();
        for (let n = 0; n < MIXED_MESSAGES; n++)
          filler.sendToQueue(mixedQueue, Buffer.from(JSON.stringify({ n })), { persistent: true });
        await filler.waitForConfirms();
        await finished;
        await Promise.all(consumers.map((c) => c.stop()));
        if (!mixedWarm) (slowShare[name] ??= []).push(slowDid / MIXED_MESSAGES);
        return { ops: MIXED_MESSAGES, seconds: (last - t0) / 1_000 };
      };
    const mixedVariants = {
      'unlimited (naive)': mixed('unlimited (naive)', (c, handler) => naiveConsumer(c, mixedQueue, { handler })),
      'prefetch 1': mixed('prefetch 1', (c, handler) => tunedConsumer(c, mixedQueue, { prefetch: 1, handler })),
      'prefetch 10': mixed('prefetch 10', (c, handler) => tunedConsumer(c, mixedQueue, { prefetch: 10, handler })),
    };
    for (const v of Object.values(mixedVariants)) await v(); // warm-up, untimed
    mixedWarm = false;
    report.add(
      await compareRounds({
        id: 'mixed',
        title: `${MIXED_MESSAGES} messages, one ${MIXED_SLOW_MS} ms and one ${MIXED_FAST_MS} ms consumer: msg/s to all handled`,
        variants: mixedVariants,
        baseline: 'unlimited (naive)',
        rounds: ROUNDS,
        unit: 'msg/s',
      }),
    );
    const shareIds: Record<string, string> = {
      'unlimited (naive)': 'unlimited',
      'prefetch 1': 'p1',
      'prefetch 10': 'p10',
    };
    for (const name of Object.keys(mixedVariants))
      report.add({
        id: `slow-share-${shareIds[name]}`,
        title: `Share of the messages the slow consumer handled, ${name}`,
        value: round2(median(slowShare[name]!)),
      });
    await filler.close();

    await report.finish(
      'Own claim (the roadmap gives #70 none): with a no-op handler one consumer drains {ratio:fast/1 consumer, prefetch 100} faster at prefetch 100 than at 1; ' +
        'with a 2 ms handler prefetch 100 vs 1 gives {ratio:slow/1 consumer, prefetch 100} and 4 consumers at prefetch 1 give {ratio:slow/4 consumers, prefetch 1}. ' +
        'Recommended prefetch (smallest within 90% of the best): no-op handler {fact:recommend-fast-1} (1 consumer), {fact:recommend-fast-4} (4); 2 ms handler {fact:recommend-slow-1}, {fact:recommend-slow-4}. ' +
        'One slow and one fast consumer: prefetch 1 vs unlimited {ratio:mixed/prefetch 1}, the slow one handling {fact:slow-share-p1} vs {fact:slow-share-unlimited} of the messages.',
    );
  } finally {
    await ns.close();
  }
});
