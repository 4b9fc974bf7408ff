// pnpm --filter poc-kafka-partition-keys demo: where keys go (against Kafka's Java producer), order per key
// with concurrent producers, a hot key draining through one partition and the two fixes, and what adding
// partitions does to keys. Prints what the README's "Expected output" shows.
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually, kafkaNamespace, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import { Partitioners, logLevel, type PartitionMetadata } from 'kafkajs';
import {
  PartitionsNotDrainedError,
  expectedMovedFraction,
  growPartitions,
  keyBy,
  keyedProducer,
  minimumMovedFraction,
  movedKeys,
  partitionFor,
  reaggregate,
  topicLoad,
  type KeyStrategy,
} from './index.ts';
import { javaProduce } from './java-producer.ts';
import { naiveGrowPartitions } from './naive.ts';
import { HOT_TENANT, addTotals, keys, skewedOrders, startOrderGroup, totalsByTenant, type Order } from './workload.ts';

const say = (line = ''): void => console.log(line);
const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const FAST = { sessionTimeout: 6_000, heartbeatInterval: 500, rebalanceTimeout: 6_000, maxWaitTimeInMs: 50 };

runMain(async (signal) => {
  const server = await serverFor('kafka');
  const ns = await kafkaNamespace({ name: 'demo' }); // topics and group ids of its own, removed at the end
  const kafka = ns.kafka({ logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const closers: Array<() => Promise<unknown>> = [() => admin.disconnect()];
  /** Reads `count` messages of `topic` with a group of its own: [partition, key, value] in handling order. */
  let readers = 0;
  const readAll = async (topic: string, count: number, extra = {}) => {
    const out: Array<{ partition: number; offset: number; key: string; value: string }> = [];
    const consumer = kafka.consumer({ groupId: ns.groupId(`reader-${++readers}`), ...FAST });
    await consumer.connect();
    closers.push(() => consumer.disconnect());
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      ...extra,
      eachMessage: async ({ partition, message }) =>
        void out.push({
          partition,
          offset: Number(message.offset),
          key: String(message.key),
          value: String(message.value),
        }),
    });
    await eventually(() => out.length >= count, { timeoutMs: 60_000, what: `${count} messages of ${topic}` });
    await consumer.disconnect();
    return out;
  };

  try {
    await admin.connect();
    say(`Partition keys demo (Kafka ${server.version}, ${server.provider})`);

    say("\n1. Where a key goes: KafkaJS's default partitioner against Kafka's Java producer, 6 partitions");
    const mapKeys = [
      ...range(1_500).map((i) => `user-${i}`),
      ...range(300).map((i) => `клиент-${i}`),
      ...range(200).map((i) => `顧客${i}🙂`),
    ];
    const javaTopic = ns.topic('java');
    const jsTopic = ns.topic('kafkajs');
    await ns.createTopics([
      { topic: javaTopic, numPartitions: 6 },
      { topic: jsTopic, numPartitions: 6 },
    ]);
    await javaProduce(
      ns.brokers,
      javaTopic,
      mapKeys.map((k, i) => [k, String(i)] as const),
      signal,
    );
    const js = keyedProducer(kafka, { topic: jsTopic, key: keyBy<string>('key', (k) => k) });
    await js.connect();
    closers.push(() => js.disconnect());
    await js.send(mapKeys);
    const java = new Map((await readAll(javaTopic, mapKeys.length)).map((r) => [r.key, r.partition]));
    const ours = new Map((await readAll(jsTopic, mapKeys.length)).map((r) => [r.key, r.partition]));
    const legacy = Partitioners.LegacyPartitioner();
    const meta = range(6).map((partitionId) => ({ partitionId, leader: 0 }) as PartitionMetadata);
    const legacyAgrees = mapKeys.filter(
      (k) => legacy({ topic: jsTopic, partitionMetadata: meta, message: { key: k, value: null } }) === java.get(k),
    ).length;
    say(
      `   ${mapKeys.length} keys (ASCII, Cyrillic, CJK + emoji), written by kafka-console-producer (Java) and by KafkaJS:`,
    );
    say(
      `   same partition on the broker for ${mapKeys.filter((k) => ours.get(k) === java.get(k)).length} of ${mapKeys.length}`,
    );
    say(
      `   partitionFor() names that partition for ${mapKeys.filter((k) => partitionFor(k, 6) === java.get(k)).length} of ${mapKeys.length}`,
    );
    say(`   KafkaJS's LegacyPartitioner (the 1.x default) would agree on ${legacyAgrees} of ${mapKeys.length}`);

    say('\n2. Order per key: 4 producers x 200 keys x 10 rounds, every send() of a producer in flight at once');
    say('   (idempotent producers, maxInFlightRequests 1, one send() at a time per producer, acks -1)');
    const orderTopic = ns.topic('order');
    await ns.createTopics([{ topic: orderTopic, numPartitions: 6 }]);
    type Event = { key: string; producer: number; seq: number };
    const accounts = range(200).map((i) => `account-${i}`);
    const producers = range(4).map(() =>
      keyedProducer(kafka, { topic: orderTopic, key: keyBy<Event>('account', (e) => e.key) }),
    );
    for (const p of producers) {
      await p.connect();
      closers.push(() => p.disconnect());
    }
    await Promise.all(
      producers.flatMap((p, n) => range(10).map((seq) => p.send(accounts.map((key) => ({ key, producer: n, seq }))))),
    );
    const ordered = (await readAll(orderTopic, 8_000)).map((r) => ({
      ...(JSON.parse(r.value) as Event),
      partition: r.partition,
    }));
    const highest = new Map<string, number>();
    let late = 0;
    for (const e of ordered) {
      const stream = `${e.key}@${e.producer}`;
      if ((highest.get(stream) ?? -1) > e.seq) late++;
      else highest.set(stream, e.seq);
    }
    const spread = accounts.filter((k) => new Set(ordered.filter((e) => e.key === k).map((e) => e.partition)).size > 1);
    say(
      `   ${ordered.length} read back: messages read after a later one of their stream ${late}, keys on more than one partition ${spread.length}`,
    );

    const ORDERS = skewedOrders({ events: 1_200, hotPercent: 70, coldTenants: 30, hotOrders: 120, coldOrders: 4 });
    say(
      `\n3. A hot key: ${ORDERS.length} orders, 70 % from tenant "${HOT_TENANT}", 6 partitions, 6 consumers at 2 ms per message`,
    );
    const expected = totalsByTenant(ORDERS);
    for (const [name, strategy] of [
      ['tenant', keys.tenant],
      ['salted', keys.salted(24)],
      ['order', keys.order],
    ] as Array<[string, KeyStrategy<Order>]>) {
      say(`   key = ${strategy.name}`);
      const topic = ns.topic(`hot-${name}`);
      const groupId = ns.groupId(`hot-${name}`);
      await ns.createTopics([{ topic, numPartitions: 6 }]);
      const group = await startOrderGroup(kafka, { topic, groupId, members: 6, costMs: 2, consumer: FAST });
      closers.push(() => group.stop());
      await group.settled(admin, 6);
      group.pause();
      const producer = keyedProducer(kafka, { topic, key: strategy });
      await producer.connect();
      await producer.send(ORDERS);
      await producer.disconnect();
      const full = await topicLoad(admin, topic, { groupId });
      say(
        `     messages per partition [${full.partitions.map((p) => p.messages).join(', ')}]   busiest: partition ${full.busiest.partition} with ${pct(full.busiest.share)}`,
      );
      say('     lag per partition (fetchTopicOffsets - fetchOffsets) while the group drains:');
      const t0 = performance.now();
      group.resume();
      for (let shown = 0; ; shown++) {
        const load = await topicLoad(admin, topic, { groupId });
        const t = Math.round(performance.now() - t0);
        say(
          `       t=${String(t).padStart(5)} ms  [${load.partitions.map((p) => String(p.lag).padStart(3)).join(', ')}]`,
        );
        if (load.lag === 0) break;
        await sleep(400, undefined, { signal });
      }
      await group.stop();
      say(
        `     handled per consumer [${group
          .perMember()
          .sort((a, b) => b - a)
          .join(', ')}]`,
      );
      const totals = reaggregate(strategy, group.partials, addTotals);
      const right = [...expected].every(([t, v]) => totals.get(t)?.count === v.count && totals.get(t)?.sum === v.sum);
      const hotParts = new Set(group.handled.filter((h) => h.order.tenant === HOT_TENANT).map((h) => h.partition)).size;
      say(
        `     totals per tenant after re-aggregation equal the source's: ${right && totals.size === expected.size ? 'yes' : 'NO'} (${totals.size} tenants); state under the key "${HOT_TENANT}": ${group.partials.has(HOT_TENANT) ? `${group.partials.get(HOT_TENANT)!.count} orders` : 'none'}`,
      );
      const outOfOrder = (streamOf: (o: Order) => string, seqOf: (o: Order) => number): number => {
        const top = new Map<string, number>();
        let n = 0;
        for (const { order } of group.handled) {
          if ((top.get(streamOf(order)) ?? -1) > seqOf(order)) n++;
          else top.set(streamOf(order), seqOf(order));
        }
        return n;
      };
      say(
        `     "${HOT_TENANT}" on ${hotParts} partition(s); read after a later event of the same tenant: ${outOfOrder(
          (o) => o.tenant,
          (o) => o.tenantSeq,
        )}, of the same order: ${outOfOrder(
          (o) => o.orderId,
          (o) => o.orderSeq,
        )}`,
      );
    }

    say('\n4. Adding partitions, 6 -> 8');
    const growKeys = range(800).map((i) => `key-${i}`);
    type Step = { key: string; seq: number };
    const byKey = keyBy<Step>('key', (s) => s.key);
    const steps = (seqs: number[]): Step[] => seqs.flatMap((seq) => growKeys.map((key) => ({ key, seq })));
    const predicted = movedKeys(growKeys, 6, 8);
    say(
      `   ${growKeys.length} keys: movedKeys() predicts ${predicted.moved.length} move (${pct(predicted.fraction)}); modulo theory ${pct(expectedMovedFraction(6, 8))}; a consistent hash would move ${pct(minimumMovedFraction(6, 8))} (theory only)`,
    );
    // Naive: grow with a backlog, a producer that was connected before, and a consumer that starts after.
    const naiveTopic = ns.topic('grow-naive');
    await ns.createTopics([{ topic: naiveTopic, numPartitions: 6 }]);
    const early = keyedProducer(kafka, { topic: naiveTopic, key: byKey });
    await early.connect();
    closers.push(() => early.disconnect());
    await early.send(steps([0, 1, 2]));
    await naiveGrowPartitions(admin, { topic: naiveTopic, count: 8, groupIds: [ns.groupId('grow-naive')] });
    const fresh = keyedProducer(kafka, { topic: naiveTopic, key: byKey });
    await fresh.connect();
    closers.push(() => fresh.disconnect());
    await fresh.send(steps([3, 4, 5]));
    await early.send(steps([6])); // still maps keys by 6 partitions
    const naiveRead = (await readAll(naiveTopic, growKeys.length * 7, { partitionsConsumedConcurrently: 8 })).map(
      (r) => ({
        ...(JSON.parse(r.value) as Step),
        partition: r.partition,
      }),
    );
    const reordered = (read: Array<Step & { partition: number }>): number => {
      const top = new Map<string, number>();
      const keysHit = new Set<string>();
      for (const s of read) {
        if ((top.get(s.key) ?? -1) > s.seq) keysHit.add(s.key);
        else top.set(s.key, s.seq);
      }
      return keysHit.size;
    };
    const measuredMoved = growKeys.filter(
      (k) =>
        naiveRead.find((s) => s.key === k && s.seq === 0)!.partition !==
        naiveRead.find((s) => s.key === k && s.seq === 3)!.partition,
    ).length;
    const split = growKeys.filter(
      (k) => new Set(naiveRead.filter((s) => s.key === k && s.seq >= 3).map((s) => s.partition)).size > 1,
    ).length;
    say(`   measured on the broker: ${measuredMoved} keys moved (${pct(measuredMoved / growKeys.length)})`);
    say(
      `   naive, grown with ${growKeys.length * 3} messages unread: keys read newer-before-older ${reordered(naiveRead)}`,
    );
    say(`   a producer connected before the change still maps by 6: keys written to two partitions since ${split}`);

    const safeTopic = ns.topic('grow-safe');
    const safeGroup = ns.groupId('grow-safe');
    await ns.createTopics([{ topic: safeTopic, numPartitions: 6 }]);
    const safeProducer = keyedProducer(kafka, { topic: safeTopic, key: byKey });
    await safeProducer.connect();
    closers.push(() => safeProducer.disconnect());
    await safeProducer.send(steps([0, 1, 2]));
    const refused = await growPartitions(admin, {
      topic: safeTopic,
      count: 8,
      groupIds: [safeGroup],
      timeoutMs: 1_000,
    }).catch((e: unknown) => e);
    if (!(refused instanceof PartitionsNotDrainedError)) throw new Error('growPartitions() should have refused');
    say(
      `   growPartitions(), nobody has read yet: ${refused.name} (${refused.message.split(': ').slice(1).join(': ')})`,
    );
    const safeSeen: Array<Step & { partition: number; offset: number }> = [];
    const reader = kafka.consumer({ groupId: safeGroup, ...FAST, metadataMaxAge: 1_000 });
    await reader.connect();
    closers.push(() => reader.disconnect());
    await reader.subscribe({ topics: [safeTopic], fromBeginning: true });
    await reader.run({
      partitionsConsumedConcurrently: 8,
      eachMessage: async ({ partition, message }) =>
        void safeSeen.push({
          ...(JSON.parse(String(message.value)) as Step),
          partition,
          offset: Number(message.offset),
        }),
    });
    const grown = await growPartitions(admin, { topic: safeTopic, count: 8, groupIds: [safeGroup] });
    await safeProducer.refresh();
    await safeProducer.send(steps([3, 4, 5]));
    // Each (partition, offset) once: a message handled again after the rebalance is a repeat, not a reordering.
    const once = () => [...new Map(safeSeen.map((s) => [`${s.partition}@${s.offset}`, s])).values()];
    await eventually(() => once().length === growKeys.length * 6, { timeoutMs: 60_000, what: 'the safe topic read' });
    const unique = once();
    say(
      `   growPartitions() once the group read on: waited ${grown.waitedMs} ms for lag 0, grew ${grown.from} -> ${grown.to}; after refresh(): keys read newer-before-older ${reordered(unique)}, keys on two partitions since ${growKeys.filter((k) => new Set(unique.filter((s) => s.key === k && s.seq >= 3).map((s) => s.partition)).size > 1).length}`,
    );
    say('\ndone');
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await ns.close();
  }
});
