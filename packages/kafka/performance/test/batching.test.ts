// Batching against the shared broker, read back from the log: which records the broker stored together
// in one record batch. No timing: the linger test runs on a ManualClock.
import { kafkaNamespace, type KafkaNamespace } from '@poc/harness';
import { ManualClock } from '@poc/kit';
import { logLevel, type Kafka, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchingProducer, type BatchingProducer } from '../src/index.ts';
import { naiveProducer } from '../src/naive.ts';
import { batchSizes, readTopic } from './helpers.ts';

let ns: KafkaNamespace;
let kafka: Kafka;
let producer: Producer;
beforeAll(async () => {
  ns = await kafkaNamespace({ name: 'perf_batching' }); // topics and group ids of its own
  kafka = ns.kafka({ logLevel: logLevel.NOTHING });
  producer = kafka.producer();
  await producer.connect();
});
afterAll(async () => {
  await producer?.disconnect();
  await ns?.close();
});

const topicFor = async (base: string): Promise<string> => {
  const topic = ns.topic(base);
  await ns.createTopics([{ topic, numPartitions: 1 }]);
  return topic;
};
/** Exactly 100 bytes (no key): "m-0000042" and padding. */
const value = (i: number): string => `m-${String(i).padStart(7, '0')}`.padEnd(100, '.');
/** `n` callers at once, each sending one message; resolves when every one is acknowledged. */
const sendAll = (p: BatchingProducer, n: number): Promise<void[]> =>
  Promise.all(Array.from({ length: n }, (_, i) => p.send({ value: value(i) })));

describe('batchingProducer against the shared broker', () => {
  it('break it: one send() per message stores one record batch per message; batching stores batchBytes each', async () => {
    const N = 1_000;
    const naiveTopic = await topicFor('naive');
    const batchedTopic = await topicFor('batched');
    const naive = naiveProducer(producer, { topic: naiveTopic });
    const batched = batchingProducer(producer, { topic: batchedTopic, batchBytes: 100 * 100 });

    await sendAll(naive, N); // 1 000 concurrent send() calls: KafkaJS sends each as it is
    await sendAll(batched, N);

    const naiveLog = await readTopic(kafka, naiveTopic, ns.groupId('read-naive'));
    const batchedLog = await readTopic(kafka, batchedTopic, ns.groupId('read-batched'));
    expect(naiveLog).toHaveLength(N);
    expect(batchSizes(naiveLog)).toHaveLength(N); // a record batch (and a produce request) per message
    expect(batchedLog.map((r) => r.value)).toEqual(Array.from({ length: N }, (_, i) => value(i))); // all, in order
    expect(batchSizes(batchedLog)).toEqual(Array(10).fill(100)); // 10 000 bytes = 100 messages per batch
    expect(batched.stats()).toEqual({ sends: 10, messages: N, bytes: N * 100 });
  });

  it('sends a batch that is not full lingerMs after its first message (ManualClock), not before', async () => {
    const topic = await topicFor('linger');
    const clock = new ManualClock();
    const p = batchingProducer(producer, { topic, batchBytes: 1_000_000, lingerMs: 50, clock });
    const end = async (): Promise<number> => {
      const admin = kafka.admin();
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
      return Number(offsets[0]!.high);
    };

    let acknowledged = 0;
    const sent = Array.from({ length: 30 }, (_, i) => p.send({ value: value(i) }).then(() => void acknowledged++));
    await clock.advance(49);
    expect(p.stats().sends).toBe(0);
    expect(await end()).toBe(0); // nothing on the broker yet

    await clock.advance(1);
    await Promise.all(sent);
    expect(acknowledged).toBe(30);
    expect(batchSizes(await readTopic(kafka, topic, ns.groupId('read-linger')))).toEqual([30]);
  });

  it('with lingerMs 0, sends the messages of one event-loop turn as one batch', async () => {
    const topic = await topicFor('turns');
    const p = batchingProducer(producer, { topic, batchBytes: 1_000_000, lingerMs: 0 });
    await sendAll(p, 300); // 300 callers in one turn
    await sendAll(p, 200); // then 200 more
    expect(batchSizes(await readTopic(kafka, topic, ns.groupId('read-turns')))).toEqual([300, 200]);
  });

  it('takes an aborted message out of its waiting batch; the rest of the batch is sent', async () => {
    const topic = await topicFor('abort');
    const clock = new ManualClock();
    const p = batchingProducer(producer, { topic, batchBytes: 1_000_000, lingerMs: 10, clock });
    const controller = new AbortController();
    const kept = [p.send({ value: value(0) }), p.send({ value: value(2) })];
    const withdrawn = p.send({ value: value(1) }, controller.signal);
    controller.abort(new Error('caller gave up'));
    await expect(withdrawn).rejects.toThrow('caller gave up');
    await clock.advance(10);
    await Promise.all(kept);
    const stored = await readTopic(kafka, topic, ns.groupId('read-abort'));
    expect(stored.map((r) => r.value)).toEqual([value(0), value(2)]);
  });
});
