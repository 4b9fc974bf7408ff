// A hot key against real consumers: the same 1 200 orders (70 % from one tenant) keyed three ways on a
// 6-partition topic, each drained by its own group of 6 consumers at a fixed cost per message. The
// counts, the lag (read from the broker) and the totals are asserted; timing belongs to the bench.
import { eventually, kafkaNamespace, type KafkaNamespace } from '@poc/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyedProducer, partitionFor, reaggregate, topicLoad, type KeyStrategy, type TopicLoad } from '../src/index.ts';
import {
  HOT_TENANT,
  addTotals,
  keys,
  skewedOrders,
  startOrderGroup,
  totalsByTenant,
  type Order,
  type OrderGroup,
} from '../src/workload.ts';
import { FAST_GROUP, inversions } from './helpers.ts';

const PARTITIONS = 6;
const MEMBERS = 6;
const ORDERS = skewedOrders({ events: 1_200, hotPercent: 70, coldTenants: 30, hotOrders: 120, coldOrders: 4 });
const HOT = ORDERS.filter((o) => o.tenant === HOT_TENANT).length;
// What one partition has to do when the work is spread perfectly: each partition pauses after this many.
const EVEN_SHARE = ORDERS.length / PARTITIONS;
const SALTS = 24;

interface Run {
  strategy: KeyStrategy<Order>;
  group: OrderGroup;
  /** Messages and lag per partition once every partition has handled up to EVEN_SHARE messages. */
  atEvenShare: TopicLoad;
  drained: TopicLoad;
}

let ns: KafkaNamespace;
const runs: Record<'tenant' | 'salted' | 'order', Run> = {} as never;

/** Produces ORDERS keyed by `strategy`, lets a group of 6 handle an even share per partition, then drain. */
async function run(name: keyof typeof runs, strategy: KeyStrategy<Order>): Promise<void> {
  const kafka = ns.kafka();
  const topic = ns.topic(name);
  const groupId = ns.groupId(name);
  await ns.createTopics([{ topic, numPartitions: PARTITIONS }]);
  const admin = kafka.admin();
  await admin.connect();
  const group = await startOrderGroup(kafka, {
    topic,
    groupId,
    members: MEMBERS,
    costMs: 1,
    budgetPerPartition: EVEN_SHARE,
    consumer: FAST_GROUP,
  });
  try {
    await group.settled(admin, PARTITIONS); // no rebalance once the messages flow
    const producer = keyedProducer(kafka, { topic, key: strategy });
    await producer.connect();
    await producer.send(ORDERS);
    await producer.disconnect();
    // Every partition has handled (and committed) min(its messages, EVEN_SHARE), and paused.
    const atEvenShare = await eventually(
      async () => {
        const load = await topicLoad(admin, topic, { groupId });
        const done = load.partitions.every((p) => p.committed - p.start === Math.min(p.messages, EVEN_SHARE));
        return load.messages === ORDERS.length && done ? load : false;
      },
      { timeoutMs: 30_000, intervalMs: 50, what: `${name}: an even share handled on every partition` },
    );
    group.resume();
    const drained = await eventually(
      async () => {
        const load = await topicLoad(admin, topic, { groupId });
        return group.handled.length >= ORDERS.length && load.lag === 0 ? load : false;
      },
      { timeoutMs: 60_000, intervalMs: 50, what: `${name}: drained` },
    );
    runs[name] = { strategy, group, atEvenShare, drained };
  } finally {
    await group.stop();
    await admin.disconnect();
  }
}

beforeAll(async () => {
  ns = await kafkaNamespace({ name: 'pkhot' });
  await Promise.all([run('tenant', keys.tenant), run('salted', keys.salted(SALTS)), run('order', keys.order)]);
}, 120_000);
afterAll(() => ns?.close());

const partitionsOf = (r: Run, tenant: string): Set<number> =>
  new Set(r.group.handled.filter((h) => h.order.tenant === tenant).map((h) => h.partition));

describe('a hot key', () => {
  it("break it: keyed by tenant, the hot tenant's partition does most of the work and holds all the lag; salting and a better key spread it", () => {
    const naive = runs.tenant;
    const hotPartition = partitionFor(HOT_TENANT, PARTITIONS);
    expect(naive.drained.busiest.partition).toBe(hotPartition);
    expect(naive.drained.busiest.share).toBeGreaterThanOrEqual(HOT / ORDERS.length); // 70 % or more on one of 6
    // When every partition has done an even share of the work, only the hot one still has messages to read.
    const lagging = naive.atEvenShare.partitions.filter((p) => p.lag > 0);
    expect(lagging.map((p) => p.partition)).toEqual([hotPartition]);
    expect(naive.atEvenShare.lag).toBeGreaterThanOrEqual(HOT - EVEN_SHARE);
    // One consumer of six handled most of the messages.
    expect(Math.max(...naive.group.perMember())).toBeGreaterThanOrEqual(HOT);
    expect(naive.group.perPartition(PARTITIONS)).toEqual(naive.drained.partitions.map((p) => p.messages));

    for (const fixed of [runs.salted, runs.order]) {
      expect(fixed.drained.busiest.share, fixed.strategy.name).toBeLessThan(naive.drained.busiest.share / 2);
      expect(fixed.atEvenShare.lag, fixed.strategy.name).toBeLessThan(naive.atEvenShare.lag / 4);
      expect(Math.max(...fixed.group.perMember()), fixed.strategy.name).toBeLessThan(HOT / 2);
    }
    expect(runs.order.atEvenShare.lag).toBeLessThan(runs.salted.atEvenShare.lag); // the better key spreads best
  });

  it('keeps the totals per tenant right once the partial totals of the salts are re-aggregated', () => {
    const expected = totalsByTenant(ORDERS);
    for (const r of Object.values(runs)) {
      const totals = reaggregate(r.strategy, r.group.partials, addTotals);
      expect(Object.fromEntries(totals), r.strategy.name).toEqual(Object.fromEntries(expected));
    }
    // Without the re-aggregation, the state kept under the tenant's own key holds none of its orders.
    const salted = runs.salted.group.partials;
    expect(salted.get(HOT_TENANT)).toBeUndefined();
    expect([...salted.keys()].filter((k) => k.startsWith(`${HOT_TENANT}#`)).length).toBeGreaterThan(PARTITIONS);
  });

  it("gives up the hot tenant's single ordered stream, and keeps every order's events in order", () => {
    const naive = runs.tenant;
    const salted = runs.salted;
    // Keyed by tenant: each tenant is one ordered stream on one partition.
    expect(
      inversions(
        naive.group.handled,
        (h) => h.order.tenant,
        (h) => h.order.tenantSeq,
      ),
    ).toBe(0);
    expect(partitionsOf(naive, HOT_TENANT).size).toBe(1);
    // Salted: the hot tenant lives on several partitions, read by several consumers at once, so no single
    // order covers all its events any more. The cold tenants are not salted and keep theirs.
    expect(partitionsOf(salted, HOT_TENANT).size).toBeGreaterThan(1);
    for (const tenant of new Set(ORDERS.map((o) => o.tenant)))
      if (tenant !== HOT_TENANT) expect(partitionsOf(salted, tenant).size, tenant).toBe(1);
    const coldOnly = salted.group.handled.filter((h) => h.order.tenant !== HOT_TENANT);
    expect(
      inversions(
        coldOnly,
        (h) => h.order.tenant,
        (h) => h.order.tenantSeq,
      ),
    ).toBe(0);
    // Salted by order id, and keyed by order: each order keeps its own order in all three.
    for (const r of Object.values(runs))
      expect(
        inversions(
          r.group.handled,
          (h) => h.order.orderId,
          (h) => h.order.orderSeq,
        ),
        r.strategy.name,
      ).toBe(0);
  });
});
