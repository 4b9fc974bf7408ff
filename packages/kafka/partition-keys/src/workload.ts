// The scenario the demo, the tests and the bench share (a fixture, not part of the public API): orders of
// many tenants where one tenant, "acme", sends most of them; the three key choices compared; and a
// consumer group whose members pay a fixed cost per message and keep per-key partial aggregates, the way
// a stream processor keeps state per message key.
import { systemClock, type Clock } from '@poc/kit';
import { AssignerProtocol, type Admin, type Consumer, type Kafka } from 'kafkajs';
import { check, kafkaCall } from './errors.ts';
import { keyBy, saltedKey, type KeyStrategy } from './keys.ts';

export const HOT_TENANT = 'acme';

export interface Order {
  tenant: string;
  /** `<tenant>/o<n>`: the entity whose events must stay in order. */
  orderId: string;
  /** Position in the tenant's own stream of events, and in the order's. */
  tenantSeq: number;
  orderSeq: number;
  amount: number;
}

export interface SkewSpec {
  events: number;
  /** Of every 100 events, how many are the hot tenant's (70 = 70 %). */
  hotPercent: number;
  coldTenants: number;
  /** Orders per tenant: the hot tenant has many, the others few. */
  hotOrders: number;
  coldOrders: number;
}

/** A deterministic skewed stream: the same spec always gives the same orders. */
export function skewedOrders(spec: SkewSpec): Order[] {
  const tenantSeq = new Map<string, number>();
  const orderSeq = new Map<string, number>();
  let cold = 0;
  return Array.from({ length: spec.events }, (_, i) => {
    const hot = i % 100 < spec.hotPercent;
    const tenant = hot ? HOT_TENANT : `tenant-${cold++ % spec.coldTenants}`;
    const t = tenantSeq.get(tenant) ?? 0;
    tenantSeq.set(tenant, t + 1);
    const orderId = `${tenant}/o${t % (hot ? spec.hotOrders : spec.coldOrders)}`;
    const o = orderSeq.get(orderId) ?? 0;
    orderSeq.set(orderId, o + 1);
    return { tenant, orderId, tenantSeq: t, orderSeq: o, amount: 1 + ((i * 37) % 100) };
  });
}

/** The three key choices. Aggregates are kept per tenant in all three. */
export const keys = {
  /** Naive: the tenant, a field with few values and one hot one. Per-tenant order, one partition per tenant. */
  tenant: keyBy<Order>('tenant', (o) => o.tenant),
  /** Fix 1: the hot tenant salted over `buckets` sub-keys, by order id (per-order order kept). */
  salted: (buckets: number): KeyStrategy<Order> =>
    saltedKey(keys.tenant, { buckets, hot: [HOT_TENANT], by: (o) => o.orderId }),
  /** Fix 2: a better key, the order (the unit that needs its order kept); totals still grouped by tenant. */
  order: keyBy<Order>('orderId', (o) => o.orderId, { groupOf: (key) => key.slice(0, key.indexOf('/')) }),
};

export interface Totals {
  count: number;
  sum: number;
}
export const addTotals = (a: Totals, b: Totals): Totals => ({ count: a.count + b.count, sum: a.sum + b.sum });

/** The totals per tenant computed at the source: what any correct downstream must arrive at. */
export function totalsByTenant(orders: readonly Order[]): Map<string, Totals> {
  const out = new Map<string, Totals>();
  for (const o of orders)
    out.set(o.tenant, addTotals(out.get(o.tenant) ?? { count: 0, sum: 0 }, { count: 1, sum: o.amount }));
  return out;
}

export interface Handled {
  partition: number;
  offset: number;
  key: string;
  member: number;
  order: Order;
}

export interface GroupOptions {
  topic: string;
  groupId: string;
  members: number;
  /** The fixed cost of handling one message, waited on the clock (I/O: a database write, a call). */
  costMs: number;
  /** Handle at most this many messages per partition, then pause it: "the same work done on every partition". */
  budgetPerPartition?: number;
  clock?: Clock;
  /** Consumer settings for tests and benches (short session and fetch waits). */
  consumer?: {
    sessionTimeout?: number;
    heartbeatInterval?: number;
    rebalanceTimeout?: number;
    maxWaitTimeInMs?: number;
  };
}

export interface OrderGroup {
  readonly handled: Handled[];
  /** Partial totals per message key, as each member's local state holds them. */
  readonly partials: Map<string, Totals>;
  /** Messages handled per partition and per member (index = member number). */
  perPartition(partitions: number): number[];
  perMember(): number[];
  pause(): void;
  /** Resumes every partition, and lifts the budget. */
  resume(): void;
  /** Resolves once the group is Stable with every member and every partition owned exactly once. */
  settled(admin: Admin, partitions: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A consumer group of `members` consumers on `topic`, committing every 20 messages handled and where a
 * partition is paused (its budget reached).
 */
export async function startOrderGroup(kafka: Kafka, options: GroupOptions): Promise<OrderGroup> {
  const { topic, groupId, members, costMs, clock = systemClock } = options;
  let budget = options.budgetPerPartition;
  check.positiveInt('members', members);
  check.nonNegativeInt('costMs', costMs);
  const handled: Handled[] = [];
  const partials = new Map<string, Totals>();
  const perPartition = new Map<number, number>();
  const consumers: Consumer[] = [];
  const views = new Map<number, number[]>(); // member number -> its partitions after its latest join
  for (let member = 0; member < members; member++) {
    const consumer = kafka.consumer({ groupId, ...options.consumer });
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      views.set(member, [...(e.payload.memberAssignment[topic] ?? [])]);
    });
    await kafkaCall(`connecting consumer ${member} of "${groupId}"`, () => consumer.connect());
    consumers.push(consumer);
    await kafkaCall(`subscribing to "${topic}"`, () => consumer.subscribe({ topics: [topic], fromBeginning: true }));
    await kafkaCall(`running consumer ${member} of "${groupId}"`, () =>
      consumer.run({
        autoCommitThreshold: 20, // commit often, so the lag read from the broker follows the work closely
        eachMessage: async ({ partition, message, pause }) => {
          if (costMs > 0) await clock.sleep(costMs);
          const order = JSON.parse(String(message.value)) as Order;
          const key = String(message.key);
          handled.push({ partition, offset: Number(message.offset), key, member, order });
          partials.set(key, addTotals(partials.get(key) ?? { count: 0, sum: 0 }, { count: 1, sum: order.amount }));
          const n = (perPartition.get(partition) ?? 0) + 1;
          perPartition.set(partition, n);
          if (budget !== undefined && n >= budget) pause();
        },
      }),
    );
  }
  return {
    handled,
    partials,
    perPartition: (n) => Array.from({ length: n }, (_, p) => perPartition.get(p) ?? 0),
    perMember: () => Array.from({ length: members }, (_, m) => handled.filter((h) => h.member === m).length),
    pause: () => consumers.forEach((c) => c.pause([{ topic }])),
    resume: () => {
      budget = undefined;
      consumers.forEach((c) => c.resume([{ topic }]));
    },
    async settled(admin, partitions) {
      for (let tries = 0; ; tries++) {
        const { groups } = await kafkaCall(`describing group "${groupId}"`, () => admin.describeGroups([groupId]));
        const g = groups[0]!;
        const owned = g.members
          .map((m) =>
            m.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(m.memberAssignment) : null,
          )
          .flatMap((a) => [...(a?.assignment[topic] ?? [])])
          .sort((a, b) => a - b);
        const mine = [...views.values()].flat().sort((a, b) => a - b);
        const covers = (list: number[]): boolean => list.length === partitions && list.every((p, i) => p === i);
        if (g.state === 'Stable' && g.members.length === members && covers(owned) && covers(mine)) return;
        if (tries > 600) throw new Error(`group "${groupId}" did not settle with ${members} members in 60 s`);
        await clock.sleep(100);
      }
    },
    async stop() {
      await Promise.all(consumers.map((c) => c.disconnect().catch(() => undefined)));
    },
  };
}
