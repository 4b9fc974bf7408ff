// pnpm --filter poc-rabbitmq-prefetch-tuning demo: the scenario against a real RabbitMQ, printing what the
// README's "Expected output" shows.
import { amqpNamespace, eventually, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import type { ChannelModel } from 'amqplib';
import { measureDrain, recommendPrefetch, tunedConsumer, type TunedConsumer } from './index.ts';
import { naiveConsumer } from './naive.ts';

const say = (line = ''): void => console.log(line);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const PREFETCHES = [1, 10, 100, 1000];

runMain(async () => {
  const server = await serverFor('rabbitmq');
  const ns = await amqpNamespace({ name: 'demo' }); // queue names of its own, removed at the end
  try {
    const conns: ChannelModel[] = await Promise.all([ns.connect(), ns.connect()]);
    say(`RabbitMQ prefetch tuning demo (RabbitMQ ${server.version}, ${server.provider})`);
    say();

    say('1. One slow (20 ms) and one fast (2 ms) consumer share 40 queued jobs, one handler at a time each');
    type Start = (c: ChannelModel, queue: string, handler: () => Promise<void>) => Promise<TunedConsumer>;
    const fair = async (label: string, start: Start) => {
      const queue = ns.name(`fair_${label.replace(/\W+/g, '_')}`);
      const done = { slow: 0, fast: 0 };
      const ch = await conns[0]!.createConfirmChannel();
      await ch.assertQueue(queue, { durable: true });
      const consumers = [
        await start(conns[0]!, queue, async () => void (await sleep(20), done.slow++)),
        await start(conns[1]!, queue, async () => void (await sleep(2), done.fast++)),
      ];
      const t0 = performance.now();
      for (let n = 0; n < 40; n++) ch.sendToQueue(queue, Buffer.from(JSON.stringify({ n })), { persistent: true });
      await ch.waitForConfirms();
      await ch.close();
      await eventually(() => done.slow + done.fast === 40, { what: '40 jobs done' });
      const ms = Math.round(performance.now() - t0);
      await Promise.all(consumers.map((c) => c.stop()));
      say(`   ${label}: slow did ${String(done.slow).padStart(2)}, fast did ${done.fast}, all 40 done in ${ms} ms`);
    };
    await fair('unlimited (default)', (c, queue, handler) => naiveConsumer(c, queue, { handler }));
    await fair('prefetch 1         ', (c, queue, handler) => tunedConsumer(c, queue, { prefetch: 1, handler }));
    say();

    for (const [step, label, messages, handler] of [
      [2, 'no-op handler', 2000, () => {}],
      [3, '2 ms handler', 200, () => sleep(2)],
    ] as const) {
      say(`${step}. Drain ${messages} queued messages, one consumer, ${label}: throughput and time spent prefetched`);
      const points = [];
      for (const prefetch of PREFETCHES) {
        const r = await measureDrain([conns[0]!], {
          queue: ns.name(`drain_${messages}`),
          payloads: Array.from({ length: messages }, (_, n) => ({ n })),
          prefetch,
          handler,
        });
        points.push({ prefetch, msgPerSec: r.msgPerSec });
        say(
          `   prefetch ${String(prefetch).padEnd(4)}: ${String(Math.round(r.msgPerSec)).padStart(5)} msg/s, p99 wait in the buffer ${r.waitedMs.p99.toFixed(1)} ms`,
        );
      }
      say(`   recommended (smallest prefetch within 90% of the best): ${recommendPrefetch(points)}`);
      say();
    }
    say('done');
  } finally {
    await ns.close();
  }
});
