// Keys to partitions, and the order per key, read back from the broker: KafkaJS's default partitioner
// against Kafka's own Java producer, and many keys written by concurrent producers.
import { kafkaNamespace, type KafkaNamespace } from '@poc/harness';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyBy, partitionFor } from '../src/index.ts';
import { javaProduce } from '../src/java-producer.ts';
import { inversions, producerFor, range, readAll } from './helpers.ts';

let ns: KafkaNamespace;
beforeAll(async () => {
  ns = await kafkaNamespace({ name: 'pkmap' });
});
afterAll(() => ns?.close());

const PARTITIONS = 6;
// Lengths 1..40 (every murmur2 tail case), multi-byte UTF-8, and ids of the shapes people key by.
const KEYS = [
  ...range(1_200).map((i) => `user-${i}`),
  ...range(300).map((i) => `tenant-${i % 17}/order-${i}`),
  ...range(200).map((i) => `клиент-${i}`),
  ...range(200).map((i) => `顧客${i}🙂`),
  ...range(40).map((i) => 'k'.repeat(i + 1)),
  ...range(60).map((i) => String(i * 7919)),
];

describe('keys to partitions', () => {
  it("puts every key on the partition Kafka's Java producer picks (murmur2), and LegacyPartitioner does not", async () => {
    const javaTopic = ns.topic('java');
    const jsTopic = ns.topic('kafkajs');
    await ns.createTopics([
      { topic: javaTopic, numPartitions: PARTITIONS },
      { topic: jsTopic, numPartitions: PARTITIONS },
    ]);
    await javaProduce(
      ns.brokers,
      javaTopic,
      KEYS.map((k, i) => [k, String(i)]),
    );
    const producer = await producerFor(ns.kafka(), { topic: jsTopic, key: keyBy<string>('key', (k) => k) });
    await producer.send(KEYS);

    const java = new Map((await readAll(ns, javaTopic, KEYS.length)).map((r) => [r.key, r.partition]));
    const js = new Map((await readAll(ns, jsTopic, KEYS.length)).map((r) => [r.key, r.partition]));
    expect(java.size).toBe(KEYS.length);
    expect(js.size).toBe(KEYS.length);
    const disagree = KEYS.filter((k) => js.get(k) !== java.get(k));
    expect(disagree).toEqual([]); // the broker holds every key where the Java client put it
    expect(KEYS.filter((k) => partitionFor(k, PARTITIONS) !== java.get(k))).toEqual([]);
    expect(new Set(java.values()).size).toBe(PARTITIONS);

    // The yardstick can tell partitioners apart: KafkaJS 1.x's default (LegacyPartitioner, a murmur2 that
    // differs from Java's) disagrees with the Java producer on most keys.
    const legacy = Partitioners.LegacyPartitioner();
    const meta = range(PARTITIONS).map((partitionId) => ({ partitionId, leader: 0 }) as PartitionMetadata);
    const legacyDisagrees = KEYS.filter(
      (k) => legacy({ topic: jsTopic, partitionMetadata: meta, message: { key: k, value: null } }) !== java.get(k),
    ).length;
    expect(legacyDisagrees).toBeGreaterThan(KEYS.length / 2);
  });

  it('keeps every key in send order with 200 keys written by 4 concurrent producers (idempotent, 1 request in flight)', async () => {
    const PRODUCERS = 4;
    const KEY_COUNT = 200;
    const ROUNDS = 10;
    const CALLS_PER_ROUND = 4; // each round of a producer is split over 4 send() calls
    const topic = ns.topic('order');
    await ns.createTopics([{ topic, numPartitions: PARTITIONS }]);
    interface Event {
      key: string;
      producer: number;
      seq: number;
    }
    const keys = range(KEY_COUNT).map((i) => `account-${i}`);
    const producers = await Promise.all(
      range(PRODUCERS).map(() => producerFor(ns.kafka(), { topic, key: keyBy<Event>('account', (e) => e.key) })),
    );
    // Every key is written by every producer (its own sequence per key). Nothing is awaited between calls:
    // all 40 calls of a producer are in flight at once, and its send() queue must keep them in call order.
    await Promise.all(
      producers.flatMap((producer, p) =>
        range(ROUNDS).flatMap((seq) =>
          range(CALLS_PER_ROUND).map((c) =>
            producer.send(keys.filter((_, i) => i % CALLS_PER_ROUND === c).map((key) => ({ key, producer: p, seq }))),
          ),
        ),
      ),
    );

    const records = await readAll(ns, topic, PRODUCERS * KEY_COUNT * ROUNDS);
    expect(records.length).toBe(PRODUCERS * KEY_COUNT * ROUNDS);
    const events = records.map((r) => ({
      ...(JSON.parse(r.value) as Event),
      partition: r.partition,
      offset: r.offset,
    }));
    // Read back in offset order within each partition (the log's own order), every (key, producer) stream
    // holds its sequence exactly: nothing missing, doubled or out of order.
    const inLogOrder = [...events].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
    const streams = new Map<string, number[]>();
    for (const e of inLogOrder)
      streams.set(`${e.key}@${e.producer}`, [...(streams.get(`${e.key}@${e.producer}`) ?? []), e.seq]);
    expect(streams.size).toBe(KEY_COUNT * PRODUCERS);
    for (const [stream, seqs] of streams) expect(seqs, stream).toEqual(range(ROUNDS));
    // ... and as a consumer handled them.
    expect(
      inversions(
        events,
        (e) => `${e.key}@${e.producer}`,
        (e) => e.seq,
      ),
    ).toBe(0);
    // One partition per key, the one partitionFor() names, whichever producer wrote it.
    const wrong = events.filter((e) => e.partition !== partitionFor(e.key, PARTITIONS));
    expect(wrong).toEqual([]);
  });
});
