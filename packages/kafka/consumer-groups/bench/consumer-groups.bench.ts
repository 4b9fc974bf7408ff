// pnpm --filter poc-kafka-consumer-groups bench
// Throughput of one consumer group on a 4-partition topic with 1, 2 and 4 members (all in this
// process), for two handlers: a no-op (pure client + broker cost) and 2 ms of simulated I/O per
// message (a database write, an HTTP call).
// Each run: a fresh topic and group, members join and the group settles while the topic is empty,
// then M messages are produced (in batches of 1 000, faster than any variant consumes them); timed
// from the first message handled to the last (joins and rebalances are not counted).
// Members read from the beginning of the run's fresh topic. Starting at "latest" (the default) lost a
// race: production starts once the group is Stable, and a member whose first offset lookup came
// after the first messages were written skipped them, so the run waited for messages that never came
// (the stall once blamed on partitionsConsumedConcurrently; issue 20).
import { setTimeout as sleep } from 'node:timers/promises';
import { benchReport, eventually, kafkaNamespace, summarize, type Comparison } from '@poc/harness';
import { runMain } from '@poc/kit';
import { logLevel, type Consumer } from 'kafkajs';
import { coversExactlyOnce, describeAssignment, runGroupConsumer } from '../src/index.ts';

const PARTITIONS = 4;
const ROUNDS = 3;
const HANDLERS = {
  'no-op handler': { messages: 12_000, handle: async (): Promise<void> => {} },
  '2 ms I/O per message': { messages: 800, handle: (): Promise<void> => sleep(2).then(() => undefined) },
} as const;
const VARIANTS = [
  { name: '1 consumer', members: 1 },
  { name: '2 consumers', members: 2 },
  { name: '4 consumers', members: 4 },
] as const;

runMain(async () => {
  const ns = await kafkaNamespace({ name: 'kgbench' });
  const kafka = ns.kafka({ logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer();
  let run = 0;

  async function once(
    topic: string,
    handlerName: keyof typeof HANDLERS,
    variant: (typeof VARIANTS)[number],
  ): Promise<number> {
    const { messages, handle } = HANDLERS[handlerName];
    const group = ns.groupId(`g${run++}`);
    const consumers: Consumer[] = [];
    let handled = 0;
    let first = 0;
    let last = 0;
    try {
      for (let i = 0; i < variant.members; i++) {
        const c = kafka.consumer({
          groupId: group,
          sessionTimeout: 10_000,
          heartbeatInterval: 500,
          rebalanceTimeout: 10_000,
          maxWaitTimeInMs: 100,
        });
        await c.connect();
        consumers.push(c);
        await runGroupConsumer(c, {
          topic,
          commit: 'after-processing',
          commitEvery: 100,
          fromBeginning: true, // a fresh topic: exactly this run's messages, however late a member looks up its offsets
          handle: async () => {
            if (first === 0) first = performance.now();
            await handle();
            handled++;
            last = performance.now();
          },
        });
      }
      await eventually(
        async () => {
          const a = await describeAssignment(admin, group, topic);
          return a.state === 'Stable' && a.members.length === variant.members && coversExactlyOnce(a, PARTITIONS);
        },
        { timeoutMs: 60_000, intervalMs: 100, what: 'a settled group' },
      );
      for (let sent = 0; sent < messages; sent += 1_000) {
        await producer.send({
          topic,
          messages: Array.from({ length: Math.min(1_000, messages - sent) }, (_, i) => ({
            key: `k${sent + i}`,
            value: `{"n":${sent + i}}`,
          })),
        });
      }
      await eventually(() => handled >= messages, { timeoutMs: 120_000, intervalMs: 5, what: `${messages} handled` });
      return messages / ((last - first) / 1_000);
    } finally {
      for (const c of consumers) await c.disconnect();
    }
  }

  try {
    await Promise.all([admin.connect(), producer.connect()]);
    const report = benchReport({
      parameters: {
        partitions: PARTITIONS,
        rounds: ROUNDS,
        consumersIn: 'this one Node process',
        noopMessages: HANDLERS['no-op handler'].messages,
        ioMessages: HANDLERS['2 ms I/O per message'].messages,
        commit: 'after-processing, every 100',
        timed: 'first message handled -> last (joins excluded)',
      },
      services: ['kafka'],
    });
    const comparisons: Record<string, Comparison> = {};
    for (const handlerName of Object.keys(HANDLERS) as Array<keyof typeof HANDLERS>) {
      const perRound: Array<Record<string, number>> = [];
      for (let round = 0; round < ROUNDS; round++) {
        const r: Record<string, number> = {};
        const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!);
        for (const v of order) {
          const topic = ns.topic(`t${run}`); // a fresh topic per run: every run reads exactly its M messages
          await ns.createTopics([{ topic, numPartitions: PARTITIONS }]);
          r[v.name] = await once(topic, handlerName, v);
        }
        perRound.push(r);
        process.stderr.write(
          `  ${handlerName} round ${round + 1}/${ROUNDS}: ${VARIANTS.map((v) => `${v.name} ${Math.round(r[v.name]!)} msg/s`).join(', ')}\n`,
        );
      }
      const base = VARIANTS[0].name;
      const c: Comparison = {
        id: handlerName.startsWith('no-op') ? 'noop' : 'io-2ms',
        title: `${handlerName}: messages/s of one group on ${PARTITIONS} partitions`,
        kind: 'throughput',
        baseline: base,
        rounds: ROUNDS,
        variants: VARIANTS.map((v) => ({
          name: v.name,
          opsPerSec: summarize(perRound.map((r) => r[v.name]!)),
          errors: 0,
        })),
        ratios: VARIANTS.slice(1).map((v) => {
          const s = summarize(perRound.map((r) => r[v.name]! / r[base]!));
          return { variant: v.name, baseline: base, median: s.median, min: s.min, max: s.max };
        }),
      };
      comparisons[handlerName] = c;
      report.add(c);
    }
    const ratio = (h: keyof typeof HANDLERS, v: string): string =>
      comparisons[h]!.ratios.find((r) => r.variant === v)!.median.toFixed(2);
    await report.finish(
      `With 2 ms of I/O per message, 2 and 4 consumers on 4 partitions handled ${ratio('2 ms I/O per message', '2 consumers')}x and ${ratio('2 ms I/O per message', '4 consumers')}x the messages/s of one; ` +
        `with a no-op handler, where the client and broker on 2 shared cores are the bottleneck, ${ratio('no-op handler', '2 consumers')}x and ${ratio('no-op handler', '4 consumers')}x.`,
    );
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await ns.close();
  }
});
