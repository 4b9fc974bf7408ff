import { eventually, kafkaNamespace, type KafkaNamespace } from '@poc/harness';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  DEAD_LETTER_HEADERS,
  ensureTopics,
  isKafkaPocError,
  runTypedConsumer,
  typedProducer,
  type DeadLetter,
} from '../src/index.ts';
import { consumerFor, eventTopic, producerFor, range, readAll, type RawMessage, type Event } from './helpers.ts';

let ns: KafkaNamespace;
beforeAll(async () => {
  ns = await kafkaNamespace({ name: 'koffsets' });
});
afterAll(() => ns?.close());

const events = (from: number, n: number): Array<{ key: string; value: Event }> =>
  range(n, from).map((seq) => ({ key: `k${seq % 3}`, value: { entity: `k${seq % 3}`, seq } }));

describe('committed offsets', () => {
  it('resumes a restarted consumer from its committed offsets: nothing re-processed, nothing skipped', async () => {
    const t = eventTopic(ns.topic('resume'));
    const dlt = ns.topic('resume-dlt');
    await ns.createTopics([{ topic: t.name, numPartitions: 3 }, { topic: dlt }]);
    const kafka = ns.kafka();
    const producer = typedProducer(await producerFor(kafka));
    const dltProducer = await producerFor(kafka);
    const group = ns.groupId('resume');
    const start = async (into: number[]) => {
      const consumer = await consumerFor(ns, group, kafka);
      await runTypedConsumer(consumer, {
        topic: t,
        fromBeginning: true,
        deadLetter: { topic: dlt, producer: dltProducer },
        handle: async (m) => void into.push(m.value.seq),
      });
      return consumer;
    };

    await producer.send(t, events(0, 30));
    const first: number[] = [];
    const a = await start(first);
    await eventually(() => first.length === 30, { timeoutMs: 30_000, what: 'first consumer handled 30' });
    await a.disconnect(); // leaves the group and commits what it handled

    await producer.send(t, events(30, 20)); // written while nobody consumes
    const second: number[] = [];
    const b = await start(second);
    await eventually(() => second.length === 20, { timeoutMs: 30_000, what: 'restarted consumer handled 20' });
    await b.disconnect(); // auto-commit runs on an interval; a clean stop commits the rest

    expect([...first].sort((x, y) => x - y)).toEqual(range(30));
    expect([...second].sort((x, y) => x - y)).toEqual(range(20, 30));
    const admin = kafka.admin();
    await admin.connect();
    onTestFinished(() => admin.disconnect());
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [t.name] });
    const ends = await admin.fetchTopicOffsets(t.name);
    // Every partition's committed offset is its end: the group has consumed the whole topic.
    // (A partition no key hashed to has no messages, no commit (-1) and end 0.)
    const byPartition = (rows: Array<{ partition: number; offset?: string; high?: string }>, f: 'offset' | 'high') =>
      rows.map((r) => [r.partition, Math.max(0, Number(r[f]))]).sort((x, y) => x[0]! - y[0]!);
    expect(byPartition(committed!.partitions, 'offset')).toEqual(byPartition(ends, 'high'));
    expect(ends.reduce((sum, p) => sum + Number(p.high), 0)).toBe(50);
  });
});

describe('dead-letter topic', () => {
  it('moves bad JSON and schema violations to the dead-letter topic with the reason, and keeps consuming', async () => {
    const t = eventTopic(ns.topic('orders'));
    const dlt = ns.topic('orders-dlt');
    await ns.createTopics([{ topic: t.name, numPartitions: 1 }, { topic: dlt }]);
    const kafka = ns.kafka();
    const raw = await producerFor(kafka); // an untyped producer: another service, an old version, a typo
    const good = (seq: number) => ({ key: 'a', value: JSON.stringify({ entity: 'a', seq }) });
    await raw.send({
      topic: t.name,
      messages: [
        good(0),
        { key: 'a', value: '{"entity":"a","seq":' }, // truncated JSON
        good(1),
        { key: 'a', value: JSON.stringify({ entity: 'a', seq: -1 }), headers: { 'trace-id': 't-42' } }, // valid JSON, breaks the schema
        { key: 'a', value: null }, // a tombstone on a topic that does not expect one
        good(2),
      ],
    });

    const handled: number[] = [];
    const letters: DeadLetter[] = [];
    await runTypedConsumer(await consumerFor(ns, ns.groupId('orders'), kafka), {
      topic: t,
      fromBeginning: true,
      deadLetter: { topic: dlt, producer: await producerFor(kafka) },
      handle: async (m) => void handled.push(m.value.seq),
      onDeadLetter: (l) => letters.push(l),
    });
    await eventually(() => handled.length === 3, { timeoutMs: 30_000, what: 'good messages handled' });
    expect(handled).toEqual([0, 1, 2]);
    expect(letters.map((l) => [l.reason, l.offset])).toEqual([
      ['invalid-json', '1'],
      ['schema-violation', '3'],
      ['empty', '4'],
    ]);

    const dead: RawMessage[] = [];
    await readAll(ns, dlt, dead);
    await eventually(() => dead.length === 3, { timeoutMs: 30_000, what: 'dead letters readable' });
    expect(dead.map((d) => d.value)).toEqual(['{"entity":"a","seq":', JSON.stringify({ entity: 'a', seq: -1 }), null]);
    expect(dead.map((d) => d.headers[DEAD_LETTER_HEADERS.reason])).toEqual([
      'invalid-json',
      'schema-violation',
      'empty',
    ]);
    expect(dead[0]!.headers[DEAD_LETTER_HEADERS.detail]).toMatch(/JSON/);
    expect(dead[1]!.headers[DEAD_LETTER_HEADERS.detail]).toBe('seq: Too small: expected number to be >=0');
    expect(dead[1]!.headers['trace-id']).toBe('t-42'); // original headers travel with the copy
    expect(
      dead.map(
        (d) =>
          `${d.headers[DEAD_LETTER_HEADERS.topic]}/${d.headers[DEAD_LETTER_HEADERS.partition]}@${d.headers[DEAD_LETTER_HEADERS.offset]}`,
      ),
    ).toEqual(['1', '3', '4'].map((o) => `${t.name}/0@${o}`));

    await raw.send({ topic: t.name, messages: [good(3), { key: 'a', value: 'not json' }, good(4)] });
    await eventually(() => handled.length === 5, { timeoutMs: 30_000, what: 'later good messages handled' });
    expect(handled).toEqual([0, 1, 2, 3, 4]);
  });

  it('refuses to produce a value that breaks the schema and sends nothing of that batch', async () => {
    const t = eventTopic(ns.topic('strict'));
    await ns.createTopics([{ topic: t.name, numPartitions: 1 }]);
    const kafka = ns.kafka();
    const producer = typedProducer(await producerFor(kafka));
    const err = await producer
      .send(t, [
        { key: 'a', value: { entity: 'a', seq: 0 } },
        { key: 'a', value: { entity: '', seq: 1.5 } },
      ])
      .catch((e: unknown) => e);
    expect((err as Error).name).toBe('MessageValidationError');
    expect(isKafkaPocError(err, 'validation') && { topic: err.topic, index: err.index }).toEqual({
      topic: t.name,
      index: 1,
    });
    expect((err as Error).message).toBe(
      `messages[1] for topic "${t.name}" does not match its schema: entity: Too small: expected string to have >=1 characters; seq: Invalid input: expected int, received number`,
    );
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(t.name).finally(() => admin.disconnect());
    expect(offsets.map((o) => o.high)).toEqual(['0']);
  });
});

describe('topic admin', () => {
  it('creates missing topics with their partition count and leaves existing ones alone', async () => {
    const name = ns.topic('admin');
    const admin = ns.kafka().admin();
    await admin.connect();
    try {
      expect(await ensureTopics(admin, [{ topic: eventTopic(name), partitions: 3 }])).toEqual([name]);
      expect(await ensureTopics(admin, [{ topic: name, partitions: 3 }])).toEqual([]);
      const meta = await admin.fetchTopicMetadata({ topics: [name] });
      expect(meta.topics[0]!.partitions.length).toBe(3);
    } finally {
      await admin.deleteTopics({ topics: [name] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
