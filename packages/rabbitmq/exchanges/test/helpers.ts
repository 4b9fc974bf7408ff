// Shared by the tests: ask the real broker where messages go, and read queues back.
import type { AmqpNamespace } from '@poc/harness';
import type { ChannelModel } from 'amqplib';
import { declareTopology, publisher, type Topology } from '../src/index.ts';

/** Every message id in `queue`, in order, taken with basic.get (the queue is empty afterwards). */
export async function drain(connection: ChannelModel, queue: string): Promise<string[]> {
  const ch = await connection.createChannel();
  try {
    const ids: string[] = [];
    for (let m = await ch.get(queue, { noAck: true }); m !== false; m = await ch.get(queue, { noAck: true }))
      ids.push(String(m.properties.messageId));
    return ids;
  } finally {
    await ch.close();
  }
}

export interface TopicTableResult {
  /** For each routing key, the binding keys whose queue received it, in the order of `bindingKeys`. */
  matched: Map<string, string[]>;
  /** The routing keys the broker returned (mandatory, no binding matched). */
  returned: string[];
}

let tables = 0;

/**
 * Asks the broker: a fresh topic exchange with one queue per binding key, every routing key published once as
 * mandatory with confirms, then each queue read back. Returns which binding keys each routing key reached.
 */
export async function brokerTopicTable(
  ns: AmqpNamespace,
  connection: ChannelModel,
  bindingKeys: readonly string[],
  routingKeys: readonly string[],
): Promise<TopicTableResult> {
  const table = ++tables;
  const exchange = ns.name(`topic${table}`);
  const queueOf = bindingKeys.map((_, i) => ns.name(`topic${table}_q${i}`));
  const topology: Topology = {
    exchanges: { [exchange]: { type: 'topic', durable: false } },
    queues: Object.fromEntries(queueOf.map((q) => [q, { durable: false }])),
    bindings: bindingKeys.map((key, i) => ({ exchange, queue: queueOf[i]!, key })),
  };
  await declareTopology(connection, topology);
  const p = await publisher(connection, { persistent: false });
  const outcomes = await Promise.all(
    routingKeys.map((key, i) => p.publish(exchange, key, key, { messageId: `k${i}` })),
  );
  await p.close();
  const matched = new Map<string, string[]>(routingKeys.map((k) => [k, []]));
  for (const [i, queue] of queueOf.entries())
    for (const id of await drain(connection, queue))
      matched.get(routingKeys[Number(id.slice(1))]!)!.push(bindingKeys[i]!);
  return { matched, returned: routingKeys.filter((_, i) => outcomes[i] === 'returned') };
}

/** A small seeded generator (mulberry32), so a random table is the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A key of 0 to `maxWords` words drawn from `alphabet`. */
export function randomKey(random: () => number, alphabet: readonly string[], maxWords: number): string {
  const n = Math.floor(random() * (maxWords + 1));
  return Array.from({ length: n }, () => alphabet[Math.floor(random() * alphabet.length)]!).join('.');
}

export interface Publication {
  exchange: string;
  key: string;
  headers?: Record<string, unknown>;
}

export interface Observed {
  /** The queues that received the message, sorted; a queue that got two copies appears twice. */
  queues: string[];
  returned: boolean;
}

/**
 * Asks the broker: declares `topology`, publishes each publication once as mandatory with confirms, then reads
 * every queue of the topology back. Returns, per publication, where its copies landed and whether it was returned.
 */
export async function brokerRoutes(
  connection: ChannelModel,
  topology: Topology,
  publications: readonly Publication[],
): Promise<Observed[]> {
  await declareTopology(connection, topology);
  const p = await publisher(connection, { persistent: false });
  const outcomes = await Promise.all(
    publications.map((m, i) => p.publish(m.exchange, m.key, `#${i}`, { messageId: `r${i}`, headers: m.headers })),
  );
  await p.close();
  const observed: Observed[] = outcomes.map((o) => ({ queues: [], returned: o === 'returned' }));
  for (const queue of Object.keys(topology.queues))
    for (const id of await drain(connection, queue)) observed[Number(id.slice(1))]!.queues.push(queue);
  for (const o of observed) o.queues.sort();
  return observed;
}
