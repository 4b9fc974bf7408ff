// One idempotent producer, many concurrent send() calls, and a produce reply lost after the broker
// wrote the batch (the faulty link drops it and resets the connection, so KafkaJS retries).
import { eventually, faultyLink, kafkaClient, kafkaNamespace, type KafkaNamespace } from '@poc/harness';
import { logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { redirectingSocketFactory, runTypedConsumer, typedProducer } from '../src/index.ts';
import { consumerFor, eventTopic, producerFor, range, readAll, type RawMessage } from './helpers.ts';

let ns: KafkaNamespace;
beforeAll(async () => {
  ns = await kafkaNamespace({ name: 'kidem' });
});
afterAll(() => ns?.close());

const ROUNDS = 10;
const SENDERS = 12;

describe('idempotent producer under concurrent sends', () => {
  it('writes every acknowledged message exactly once when a reply is lost while other sends wait', async () => {
    const t = eventTopic(ns.topic('concurrent'));
    await ns.createTopics([{ topic: t.name, numPartitions: 1 }]);
    const broker = ns.brokers.split(',')[0]!;
    const link = await faultyLink(broker);
    onTestFinished(() => link.close());
    const kafka = kafkaClient(ns.brokers, {
      socketFactory: redirectingSocketFactory({ [broker]: link.listen }),
      logLevel: logLevel.NOTHING,
    });
    const producer = typedProducer(await producerFor(kafka));
    await producer.send(t, [{ key: 'e', value: { entity: 'e', seq: 0 } }]); // metadata and connection ready

    // Every send carries a different number of messages (1-3) for the same key, so sends that took
    // each other's sequence numbers show up: as "out of order sequence number", or, for two batches
    // of the same size, as a batch the broker drops as a duplicate of another while acknowledging it.
    let seq = 1;
    const acknowledged: number[] = [];
    const failures: string[] = [];
    for (const round of range(ROUNDS)) {
      const lost = link.dropNextReply(); // the first produce reply of this round: written, never answered
      const sends = range(SENDERS).map((i) =>
        range((i % 3) + 1).map(() => ({ key: 'e', value: { entity: 'e', seq: seq++ } })),
      );
      const results = await Promise.allSettled(sends.map((batch) => producer.send(t, batch)));
      await lost;
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') acknowledged.push(...sends[i]!.map((m) => m.value.seq));
        else failures.push(`round ${round}: ${(r.reason as Error).message.replace(/ to ".*" failed:/, ' failed:')}`);
      });
    }

    // Read the whole log (its end offset says how long it is) and compare with what was acknowledged.
    const admin = ns.kafka().admin();
    await admin.connect();
    onTestFinished(() => admin.disconnect());
    const [end] = await admin.fetchTopicOffsets(t.name);
    const seen: RawMessage[] = [];
    await readAll(ns, t.name, seen);
    await eventually(() => seen.length >= Number(end!.high), { timeoutMs: 30_000, what: 'the whole log read' });
    const inLog = seen.map((m) => (JSON.parse(m.value!) as { seq: number }).seq);
    const duplicated = inLog.filter((s, i) => inLog.indexOf(s) !== i);
    const lostAfterAck = acknowledged.filter((s) => !inLog.includes(s));
    expect({ failures, duplicated, lostAfterAck }).toEqual({ failures: [], duplicated: [], lostAfterAck: [] });
    expect(inLog.sort((a, b) => a - b)).toEqual(range(seq)); // every message sent, once, and nothing else
  });

  it('dead-letters keyless messages exactly once when the reply to a dead-letter send is lost', async () => {
    const t = eventTopic(ns.topic('keyless'));
    const dlt = ns.topic('keyless-dlt');
    // Two dead-letter partitions: KafkaJS spreads keyless messages round-robin, and re-runs that
    // choice when it retries, so a retried keyless message moves to the other partition.
    await ns.createTopics([
      { topic: t.name, numPartitions: 1 },
      { topic: dlt, numPartitions: 2 },
    ]);
    const broker = ns.brokers.split(',')[0]!;
    const link = await faultyLink(broker);
    onTestFinished(() => link.close());
    const linked = kafkaClient(ns.brokers, {
      socketFactory: redirectingSocketFactory({ [broker]: link.listen }),
      logLevel: logLevel.NOTHING,
    });
    const dltProducer = await producerFor(linked); // only the dead-letter producer goes through the link
    await dltProducer.send({ topic: dlt, messages: [{ key: 'warm-up', value: 'ready' }] }); // metadata, connection
    const kafka = ns.kafka();
    const raw = await producerFor(kafka);

    const letters: string[] = [];
    await runTypedConsumer(await consumerFor(ns, ns.groupId('keyless'), kafka), {
      topic: t,
      fromBeginning: true,
      deadLetter: { topic: dlt, producer: dltProducer },
      handle: async () => {},
      onDeadLetter: (l) => letters.push(l.offset),
    });
    const lost = link.dropNextReply(); // the first dead letter is written, its reply never arrives
    await raw.send({ topic: t.name, messages: [{ key: null, value: 'not json 1' }] });
    await lost;
    await eventually(() => letters.length === 1, { timeoutMs: 30_000, what: 'the first dead letter written' });
    await raw.send({ topic: t.name, messages: [{ key: null, value: 'not json 2' }] });
    await eventually(() => letters.length === 2, { timeoutMs: 30_000, what: 'the second dead letter written' });

    const admin = kafka.admin();
    await admin.connect();
    onTestFinished(() => admin.disconnect());
    const end = (await admin.fetchTopicOffsets(dlt)).reduce((sum, p) => sum + Number(p.high), 0);
    const seen: RawMessage[] = [];
    await readAll(ns, dlt, seen);
    await eventually(() => seen.length >= end, { timeoutMs: 30_000, what: 'the whole dead-letter topic read' });
    // Old code: "not json 1" twice (both partitions) and "not json 2" missing, though reported as written.
    expect(seen.map((m) => m.value).sort()).toEqual(['not json 1', 'not json 2', 'ready']);
  });
});
