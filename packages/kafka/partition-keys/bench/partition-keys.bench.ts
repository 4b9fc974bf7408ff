// pnpm --filter poc-kafka-partition-keys bench: the POC's own claim (the roadmap gives none for this POC):
// how much faster one consumer group drains a skewed workload when the hot key is salted, or keyed better,
// than when it is keyed by the hot field.
//
// The workload: 1 200 orders, 70 % of them from one tenant, on a 6-partition topic, drained by a group of
// 6 consumers (one per partition, all in this process) that each spend a fixed 2 ms per message (a sleep:
// I/O such as a database write, so the members really work in parallel). Three key choices, each with its
// own topic and group, formed once before the rounds and paused between samples. A sample:
//   1. (untimed) check that the group is Stable with every partition owned once;
//   2. (untimed) produce the 1 200 orders, keyed by the variant's strategy (a backlog: the producer is not the limit);
//   3. (timed) resume the group; the clock stops when the last of the 1 200 has been handled. Pause again.
// The drain time is set by the busiest partition, so the ratio is how evenly each key spreads the work.
import { existsSync, readFileSync } from 'node:fs';
import { benchProfile, benchReport, compareRounds, eventually, kafkaNamespace, type RoundSample } from '@poc/harness';
import { runMain } from '@poc/kit';
import { logLevel, type Admin, type ConfigResourceTypes } from 'kafkajs';
import { keyedProducer, topicLoad, type KeyStrategy } from '../src/index.ts';
import { keys, skewedOrders, startOrderGroup, type Order, type OrderGroup } from '../src/workload.ts';

const PARTITIONS = 6;
const MEMBERS = 6;
const COST_MS = 2;
const SALTS = 24;
const ROUNDS = 6; // 6 rounds: each ratio gets a 95 % interval (the sign-test interval of the per-round ratios)
const SPEC = {
  events: benchProfile() === 'short' ? 600 : 1_200,
  hotPercent: 70,
  coldTenants: 30,
  hotOrders: 120,
  coldOrders: 4,
};
const ORDERS = skewedOrders(SPEC);
const VARIANTS: Array<{ name: string; strategy: KeyStrategy<Order> }> = [
  { name: 'tenant key', strategy: keys.tenant },
  { name: 'salted tenant key', strategy: keys.salted(SALTS) },
  { name: 'order id key', strategy: keys.order },
];
const GROUP_TIMINGS = { sessionTimeout: 10_000, heartbeatInterval: 500, rebalanceTimeout: 10_000, maxWaitTimeInMs: 20 };

/** The filesystem type (tmpfs, ext4 ...) that holds `path`, from /proc/mounts: the longest mount point above it. */
function filesystemOf(path: string): string {
  let best = { mount: '', type: 'unknown' };
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const [, mount, type] = line.split(' ');
    if (!mount || !type) continue;
    const m = mount.replace(/\\040/g, ' ');
    if ((path === m || path.startsWith(m.endsWith('/') ? m : `${m}/`)) && m.length >= best.mount.length)
      best = { mount: m, type };
  }
  return best.type;
}

/** The broker's durability settings as it reports them, and the filesystem of its log directory. */
async function brokerDurability(admin: Admin): Promise<string> {
  const { brokers } = await admin.describeCluster();
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [
      {
        type: 4 as ConfigResourceTypes, // BROKER (the CommonJS enum is not visible to an ES import)
        name: String(brokers[0]!.nodeId),
        configNames: ['log.dirs', 'log.flush.interval.messages', 'log.flush.interval.ms'],
      },
    ],
  });
  const value = (name: string): string =>
    resources[0]?.configEntries.find((e) => e.configName === name)?.configValue ?? 'unset';
  const dirs = value('log.dirs');
  const where = existsSync(dirs) ? `on ${filesystemOf(dirs)}` : 'not on this host (not inspected)';
  return (
    `${brokers.length} broker(s), replication factor 1, producer acks -1 (idempotent); log.dirs ${dirs} ${where}; ` +
    `log.flush.interval.messages=${value('log.flush.interval.messages')}, log.flush.interval.ms=${value('log.flush.interval.ms')} ` +
    '(no fsync per write: the page cache)'
  );
}

runMain(async () => {
  const ns = await kafkaNamespace({ name: 'pkbench' });
  const kafka = ns.kafka({ logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const groups: Array<{
    name: string;
    topic: string;
    groupId: string;
    group: OrderGroup;
    strategy: KeyStrategy<Order>;
  }> = [];
  try {
    await admin.connect();
    for (const [i, v] of VARIANTS.entries()) {
      const topic = ns.topic(`v${i}`);
      const groupId = ns.groupId(`v${i}`);
      await ns.createTopics([{ topic, numPartitions: PARTITIONS }]);
      const group = await startOrderGroup(kafka, {
        topic,
        groupId,
        members: MEMBERS,
        costMs: COST_MS,
        consumer: GROUP_TIMINGS,
      });
      await group.settled(admin, PARTITIONS);
      group.pause();
      groups.push({ name: v.name, topic, groupId, group, strategy: v.strategy });
    }
    const producers = await Promise.all(
      groups.map(async (g) => {
        const p = keyedProducer(kafka, { topic: g.topic, key: g.strategy });
        await p.connect();
        return p;
      }),
    );

    /** One sample: the orders produced to the paused group (untimed), then drained by it (timed). */
    async function drain(i: number): Promise<RoundSample> {
      const { group, topic, groupId, name } = groups[i]!;
      await group.settled(admin, PARTITIONS);
      const before = group.handled.length;
      await producers[i]!.send(ORDERS);
      const start = performance.now();
      group.resume();
      try {
        await eventually(() => group.handled.length >= before + ORDERS.length, {
          timeoutMs: 120_000,
          intervalMs: 1,
          what: `${name}: ${ORDERS.length} orders handled`,
        });
      } finally {
        group.pause();
      }
      const seconds = (performance.now() - start) / 1_000;
      const extra = group.handled.length - before - ORDERS.length; // handled twice (a rebalance mid-sample)
      const load = await topicLoad(admin, topic, { groupId });
      if (load.lag !== 0) throw new Error(`${name}: lag ${load.lag} after the drain`);
      return { ops: ORDERS.length, seconds, errors: extra };
    }

    const report = benchReport({
      parameters: {
        claim: "this POC's own (the roadmap gives no figure for partition keys)",
        partitions: PARTITIONS,
        consumers: `${MEMBERS} in one group, one per partition, all in this one Node process`,
        perMessageCostMs: `${COST_MS} (a sleep: simulated I/O)`,
        orders: ORDERS.length,
        skew: `${SPEC.hotPercent} % from one tenant; ${SPEC.coldTenants} other tenants; ${SPEC.hotOrders} orders of the hot tenant, ${SPEC.coldOrders} per other tenant`,
        keys: VARIANTS.map((v) => `${v.name}: ${v.strategy.name}`).join('; '),
        partitioner: 'KafkaJS DefaultPartitioner (murmur2, Java-compatible)',
        producer: 'idempotent, maxInFlightRequests 1, acks -1',
        commit: 'KafkaJS auto-commit every 20 messages',
        rounds: benchProfile() === 'short' ? `${ROUNDS}, capped at 3 (short profile)` : ROUNDS,
        timed: 'resume -> last of the pre-produced orders handled (production and group joins excluded)',
        warmup: '1 untimed sample per variant',
        durability: await brokerDurability(admin),
      },
      services: ['kafka'],
    });
    for (const i of groups.keys()) await drain(i); // warm-up, untimed
    for (const g of groups) {
      const load = await topicLoad(admin, g.topic);
      report.add({
        id: `busiest-${g.name.replace(/ /g, '-')}`,
        title: `${g.name}: share of the messages on the busiest partition`,
        value: Math.round(load.busiest.share * 1_000) / 10,
        unit: '%',
      });
    }
    const comparison = await compareRounds({
      id: 'drain',
      title: `Orders/s of one group of ${MEMBERS} draining ${ORDERS.length} skewed orders on ${PARTITIONS} partitions at ${COST_MS} ms per message`,
      variants: Object.fromEntries(groups.map((g, i) => [g.name, () => drain(i)])),
      rounds: ROUNDS,
      unit: 'orders/s',
    });
    report.add(comparison);
    await report.finish(
      `This POC's own claim (the roadmap gives none): a group of 6 consumers at ${COST_MS} ms per message drains ` +
        `${ORDERS.length} orders, 70 % from one tenant, on 6 partitions {ratio:drain/salted tenant key} as fast with ` +
        'the hot tenant salted x24 as with the tenant as key, and {ratio:drain/order id key} as fast keyed by order id; ' +
        'the busiest partition holds {fact:busiest-tenant-key} of the messages keyed by tenant, ' +
        '{fact:busiest-salted-tenant-key} salted, {fact:busiest-order-id-key} by order id.',
    );
    await Promise.all(producers.map((p) => p.disconnect()));
  } finally {
    for (const g of groups) await g.group.stop();
    await admin.disconnect().catch(() => undefined);
    await ns.close();
  }
});
