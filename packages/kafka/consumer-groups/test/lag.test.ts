import { setTimeout as sleep } from 'node:timers/promises';
import { eventually, kafkaNamespace, type KafkaNamespace } from '@poc/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerLag, runGroupConsumer } from '../src/index.ts';
import { adminFor, consumerFor, produceSeq, producerFor } from './helpers.ts';

let ns: KafkaNamespace;
beforeAll(async () => {
  ns = await kafkaNamespace({ name: 'klag' });
});
afterAll(() => ns?.close());

describe('consumer lag (log end offset − committed offset)', () => {
  it('counts every unconsumed message, drains to 0 as the group commits, and grows again while nobody consumes', async () => {
    const topic = ns.topic('lag');
    await ns.createTopics([{ topic, numPartitions: 4 }]);
    const kafka = ns.kafka();
    const admin = await adminFor(kafka);
    const producer = await producerFor(kafka);
    const group = ns.groupId('lag');
    await produceSeq(producer, topic, 200);

    const before = await consumerLag(admin, group, topic);
    expect(before.total).toBe(200); // the group has never committed: everything retained is lag
    expect(before.partitions.map((p) => p.end).reduce((a, b) => a + b, 0)).toBe(200);

    const consumer = await consumerFor(kafka, group);
    await runGroupConsumer(consumer, {
      topic,
      commit: 'after-processing',
      commitEvery: 10,
      fromBeginning: true,
      handle: () => sleep(5).then(() => undefined), // 5 ms of "work" per message, so the drain takes a while
    });
    const samples: number[] = [];
    await eventually(
      async () => {
        const lag = await consumerLag(admin, group, topic);
        samples.push(lag.total);
        return lag.total === 0;
      },
      { timeoutMs: 30_000, intervalMs: 50, what: 'lag drained to 0' },
    );
    expect(samples[0]).toBeLessThanOrEqual(200);
    expect(samples.at(-1)).toBe(0);
    expect(samples.every((s, i) => i === 0 || s <= samples[i - 1]!)).toBe(true); // never grows while draining
    expect(samples.some((s) => s > 0 && s < 200)).toBe(true); // seen part-way, not only "all" and "none"

    await consumer.disconnect();
    await produceSeq(producer, topic, 50, 200);
    expect((await consumerLag(admin, group, topic)).total).toBe(50);
  });
});
