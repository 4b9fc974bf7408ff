// pnpm --filter poc-kafka-consumer-groups demo: a group sharing partitions, rebalancing on join and
// leave, lag draining, and what auto-commit vs commit-after-processing do when a consumer is killed.
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually, kafkaNamespace, serverFor, spawnTsWorker, type WorkerProcess } from '@poc/harness';
import { runMain } from '@poc/kit';
import { logLevel, type Consumer } from 'kafkajs';
import {
  consumerLag,
  coversExactlyOnce,
  describeAssignment,
  runGroupConsumer,
  trackAssignment,
  type AssignmentTracker,
  type CommitMode,
} from './index.ts';

runMain(async () => {
  const server = await serverFor('kafka');
  const ns = await kafkaNamespace({ name: 'demo' }); // unique topic names, deleted at the end
  const kafka = ns.kafka({ logLevel: logLevel.NOTHING });
  const say = (line = ''): void => console.log(line);
  const FAST = { sessionTimeout: 6_000, heartbeatInterval: 500, rebalanceTimeout: 6_000, maxWaitTimeInMs: 100 };
  const closers: Array<() => Promise<unknown>> = [];
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const send = (topic: string, from: number, n: number, keyed = true) =>
    producer.send({
      topic,
      messages: Array.from({ length: n }, (_, i) => ({ key: keyed ? `k${from + i}` : null, value: String(from + i) })),
    });

  try {
    await Promise.all([admin.connect(), producer.connect()]);
    closers.push(
      () => admin.disconnect(),
      () => producer.disconnect(),
    );
    say(`Kafka consumer groups demo (Kafka ${server.version}, ${server.provider})`);

    say('\n1. A group shares the partitions of a 4-partition topic');
    const topic = ns.topic('orders');
    const group = ns.groupId('billing');
    await ns.createTopics([{ topic, numPartitions: 4 }]);
    const handled = new Map<string, number>(); // consumer name -> messages handled
    const members = new Map<string, Consumer>();
    const names = new Map<string, AssignmentTracker>(); // consumer name -> its own view (GROUP_JOIN events)
    const join = async (name: string): Promise<void> => {
      const consumer = kafka.consumer({ groupId: group, ...FAST });
      await consumer.connect();
      closers.push(() => consumer.disconnect());
      members.set(name, consumer);
      names.set(name, trackAssignment(consumer, topic));
      await runGroupConsumer(consumer, {
        topic,
        commit: 'after-processing',
        commitEvery: 20,
        fromBeginning: true,
        handle: async () => {
          handled.set(name, (handled.get(name) ?? 0) + 1);
          await sleep(2); // 2 ms of "work" per message
        },
      });
    };
    const show = async (expected: number, what: string): Promise<void> => {
      const nameOf = (memberId: string): string | undefined =>
        [...names].find(([, t]) => t.memberId() === memberId)?.[0];
      const a = await eventually(
        async () => {
          const d = await describeAssignment(admin, group, topic);
          const settled = d.state === 'Stable' && d.members.length === expected && coversExactlyOnce(d, 4);
          return settled && d.members.every((m) => nameOf(m.memberId) !== undefined) ? d : false;
        },
        { timeoutMs: 30_000, what: `${expected} stable members` },
      );
      say(
        `   ${what.padEnd(22)} ${a.members
          .map((m) => `${nameOf(m.memberId)} -> [${m.partitions.join(',')}]`)
          .sort()
          .join('   ')}`,
      );
    };
    await join('A');
    await show(1, 'A joins:');
    await join('B');
    await show(2, 'B joins (rebalance):');
    await join('C');
    await show(3, 'C joins (rebalance):');
    await members.get('B')!.disconnect();
    members.delete('B');
    await show(2, 'B leaves (rebalance):');

    say('\n2. Lag = log end offset − committed offset, drained by the group (A and C)');
    await send(topic, 0, 1_000);
    const t0 = performance.now();
    for (;;) {
      const lag = await consumerLag(admin, group, topic);
      say(
        `   t=${String(Math.round(performance.now() - t0)).padStart(5)} ms  lag ${String(lag.total).padStart(4)}  per partition [${lag.partitions.map((p) => p.lag).join(', ')}]`,
      );
      if (lag.total === 0) break;
      await sleep(400);
    }
    say(`   handled: ${[...handled].map(([n, c]) => `${n} ${c}`).join(', ')}`);

    say('\n3. Kill a consumer process (SIGKILL) after it processed 7 of 20 messages, then start another');
    const script = fileURLToPath(new URL('../test/crash-worker.ts', import.meta.url)); // the crash test's worker
    const env = { POC_KAFKA_BROKERS: server.url };
    const processed = (w: WorkerProcess): number[] =>
      w.lines.filter((l) => l.startsWith('processed ')).map((l) => Number(l.slice(10)));
    for (const [commit, every] of [
      ['auto', undefined],
      ['after-processing', 5],
    ] as Array<[CommitMode, number | undefined]>) {
      const t = ns.topic(`crash-${commit}`);
      const g = ns.groupId(`crash-${commit}`);
      await ns.createTopics([{ topic: t, numPartitions: 1 }]);
      await send(t, 0, 20, false);
      const extra = every ? [String(every)] : [];
      const first = spawnTsWorker(script, [commit, t, g, '7', ...extra], env);
      closers.push(() => first.kill());
      await first.waitForLine('crash-point', 30_000);
      const expected = commit === 'auto' ? 20 : 5;
      const atCrash = await eventually(
        async () => {
          const l = await consumerLag(admin, g, t);
          return l.partitions[0]!.committed === expected ? l : false;
        },
        { timeoutMs: 20_000, what: 'the commit' },
      );
      await first.kill();
      const second = spawnTsWorker(script, [commit, t, g, '0', ...extra], env);
      closers.push(() => second.kill());
      await second.waitForLine('joined', 30_000);
      await send(t, 999, 1, false); // a sentinel: once it is processed, every re-delivery came before it
      await second.waitForLine('processed 999', 30_000);
      await second.kill();
      const again = processed(second).filter((v) => v !== 999);
      const done = [...processed(first), ...again];
      const lost = Array.from({ length: 20 }, (_, i) => i).filter((v) => !done.includes(v));
      const twice = again.filter((v) => processed(first).includes(v));
      const label = commit === 'auto' ? 'auto-commit + hand-off' : 'commit after processing (every 5)';
      say(`   ${label}:`);
      say(
        `     killed after processing ${processed(first).length}; committed offset ${atCrash.partitions[0]!.committed}, lag ${atCrash.total}`,
      );
      say(
        `     successor processed ${again.length}: lost ${lost.length} [${lost.join(',')}], duplicated ${twice.length} [${twice.join(',')}]`,
      );
    }
    say('\ndone');
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await ns.close();
  }
});
