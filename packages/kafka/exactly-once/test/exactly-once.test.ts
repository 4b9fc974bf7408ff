// The transactional processor against the shared broker: outputs and offsets committed together; what
// read_committed and read_uncommitted readers see of an open, an aborted and a committed transaction; a
// failing transform; and a predecessor whose commit landed after this member read its position.
import { eventually, kafkaNamespace, type KafkaNamespace } from '@poc/harness';
import { logLevel, type Consumer, type Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  countCopies,
  exactlyOnceProcessor,
  isExactlyOnceError,
  readTopic,
  transactionalIdFor,
  type AnyExactlyOnceError,
  type Chunk,
  type Isolation,
  type ProcessorCrash,
} from '../src/index.ts';
import { FAST_GROUP, adminFor, allCommitted, echo, produceInputs, producerFor, range } from './helpers.ts';

let ns: KafkaNamespace;
let kafka: Kafka;
beforeAll(async () => {
  ns = await kafkaNamespace({ name: 'eos' });
  kafka = ns.kafka({ logLevel: logLevel.NOTHING });
});
afterAll(() => ns?.close());

async function topics(base: string, partitions = 1): Promise<{ input: string; output: string; groupId: string }> {
  const input = ns.topic(`${base}-in`);
  const output = ns.topic(`${base}-out`);
  await ns.createTopics([
    { topic: input, numPartitions: partitions },
    { topic: output, numPartitions: partitions },
  ]);
  return { input, output, groupId: ns.groupId(base) };
}

const copiesIn = async (topic: string, isolation: Isolation) =>
  countCopies(
    (await readTopic(kafka, { topic, isolation, groupId: ns.groupId(`read-${isolation}`) })).map((m) => m.value),
  );

/** The last stable offset, as a read_committed consumer's ListOffsets sees it (KafkaJS's admin asks read_committed). */
const lastStableOffset = async (topic: string): Promise<number> =>
  Number((await (await adminFor(kafka)).fetchTopicOffsets(topic))[0]!.high);

describe('the transactional processor', () => {
  it('writes each input once and commits its offset in the same transaction', async () => {
    const t = await topics('basic', 2);
    const inputs = await produceInputs(await producerFor(kafka), t.input, 300);
    const commits: Chunk[] = [];
    const processor = exactlyOnceProcessor(kafka, {
      ...t,
      transform: echo,
      batchSize: 25,
      consumer: FAST_GROUP,
      onCommit: (c) => commits.push(c),
    });
    onTestFinished(() => processor.stop());
    await processor.start();
    expect(processor.state).toBe('running');
    await allCommitted(await adminFor(kafka), t.groupId, t.input);

    const committed = await copiesIn(t.output, 'read_committed');
    expect({ distinct: committed.distinct, duplicates: committed.duplicates }).toEqual({
      distinct: 300,
      duplicates: 0,
    });
    expect([...committed.copies.keys()].sort()).toEqual([...inputs].sort());
    expect(commits.every((c) => c.inputs <= 25 && c.outputs === c.inputs)).toBe(true);
    expect(commits.reduce((sum, c) => sum + c.inputs, 0)).toBe(300);
    await processor.stop();
    expect(processor.state).toBe('stopped');
  });

  it('hides an open transaction from read_committed readers, never shows an aborted one, and shows the retry once', async () => {
    const t = await topics('abort');
    await produceInputs(await producerFor(kafka), t.input, 10);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let attempts = 0;
    const errors: AnyExactlyOnceError[] = [];
    const processor = exactlyOnceProcessor(kafka, {
      ...t,
      transform: echo,
      batchSize: 10,
      consumer: FAST_GROUP,
      onProduced: async () => {
        if (++attempts > 1) return;
        await released; // the first attempt holds its transaction open, then fails
        throw new Error('the downstream write failed');
      },
      onError: (e) => errors.push(e),
    });
    onTestFinished(() => processor.stop());

    // A read_uncommitted consumer sees what reached the log, committed or not.
    const uncommitted: string[] = [];
    const reader = kafka.consumer({ groupId: ns.groupId('abort-ru'), ...FAST_GROUP, readUncommitted: true });
    await reader.connect();
    onTestFinished(() => reader.disconnect());
    await reader.subscribe({ topics: [t.output], fromBeginning: true });
    await reader.run({ eachMessage: async ({ message }) => void uncommitted.push(String(message.value)) });

    await processor.start();
    await eventually(() => uncommitted.length === 10, {
      timeoutMs: 30_000,
      what: 'the open transaction read uncommitted',
    });
    expect(await lastStableOffset(t.output)).toBe(0); // read_committed readers are held before the open transaction
    expect(
      await readTopic(kafka, { topic: t.output, isolation: 'read_committed', groupId: ns.groupId('abort-rc') }),
    ).toEqual([]);

    release(); // the chunk fails: aborted, then retried from the last commit and committed
    await allCommitted(await adminFor(kafka), t.groupId, t.input);
    expect(attempts).toBe(2);
    expect(errors.map((e) => [e.code, e.message])).toEqual([
      ['service', 'processing a chunk failed: Error: the downstream write failed'],
    ]);
    // 10 aborted outputs + their abort marker + 10 committed outputs + their commit marker
    expect(await lastStableOffset(t.output)).toBe(22);
    const committed = await copiesIn(t.output, 'read_committed');
    const all = await copiesIn(t.output, 'read_uncommitted');
    expect([committed.distinct, committed.duplicates]).toEqual([10, 0]);
    expect([all.distinct, all.duplicates]).toEqual([10, 10]); // the aborted copies are in the log
  });

  it('reports a transform that throws, writes nothing of its chunk, and retries it', async () => {
    const t = await topics('transform');
    await produceInputs(await producerFor(kafka), t.input, 20);
    const errors: AnyExactlyOnceError[] = [];
    let failed = false;
    const processor = exactlyOnceProcessor(kafka, {
      ...t,
      batchSize: 5,
      consumer: FAST_GROUP,
      transform: (input) => {
        if (String(input.message.value) === '7' && !failed) {
          failed = true;
          throw new TypeError('price is undefined'); // KafkaJS alone would give up on a TypeError
        }
        return echo(input);
      },
      onError: (e) => errors.push(e),
    });
    onTestFinished(() => processor.stop());
    await processor.start();
    await allCommitted(await adminFor(kafka), t.groupId, t.input);

    expect(errors).toHaveLength(1);
    expect(isExactlyOnceError(errors[0], 'transform')).toBe(true);
    expect(errors[0]!.message).toBe(`transforming ${t.input}/0@7 failed: TypeError: price is undefined`);
    const all = await copiesIn(t.output, 'read_uncommitted');
    expect([all.distinct, all.duplicates]).toEqual([20, 0]); // the transform runs before the transaction begins
  });

  it('tells onCrash when a transform keeps failing past KafkaJS retries, and goes on once it stops failing', async () => {
    const t = await topics('crash-hook');
    await produceInputs(await producerFor(kafka), t.input, 10);
    const quick = ns.kafka({
      logLevel: logLevel.NOTHING,
      retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 },
    });
    const crashes: ProcessorCrash[] = [];
    const processor = exactlyOnceProcessor(quick, {
      ...t,
      batchSize: 5,
      consumer: FAST_GROUP,
      transform: (input) => {
        if (String(input.message.value) === '6' && crashes.length === 0) throw new Error('the rates service is down');
        return echo(input);
      },
      onCrash: (c) => crashes.push(c),
    });
    onTestFinished(() => processor.stop());
    await processor.start();
    await allCommitted(await adminFor(kafka), t.groupId, t.input);
    expect(crashes).toHaveLength(1);
    expect(crashes[0]!.restart).toBe(true);
    expect(isExactlyOnceError(crashes[0]!.error, 'transform')).toBe(true);
    expect(crashes[0]!.error.message).toBe(`transforming ${t.input}/0@6 failed: Error: the rates service is down`);
    const committed = await copiesIn(t.output, 'read_committed');
    expect([committed.distinct, committed.duplicates]).toEqual([10, 0]);
  });

  it('skips what a predecessor committed after this member read its position', async () => {
    const t = await topics('stale');
    // Capture the processor's consumer, to know when it has resolved its position (its first fetch).
    let consumer: Consumer | undefined;
    const spy = Object.create(kafka, {
      consumer: { value: (config: Parameters<Kafka['consumer']>[0]) => (consumer = kafka.consumer(config)) },
    }) as Kafka;
    const processor = exactlyOnceProcessor(spy, { ...t, transform: echo, batchSize: 10, consumer: FAST_GROUP });
    onTestFinished(() => processor.stop());
    let fetched = 0;
    await processor.start();
    consumer!.on(consumer!.events.FETCH, () => void fetched++);
    await eventually(() => fetched > 0, { timeoutMs: 30_000, what: 'a fetch: the position is resolved (0)' });

    // The predecessor (same transactional id) commits inputs 0..4 and offset 5 now: too late for the
    // position this member read, before it takes its producer.
    const previous = kafka.producer({
      transactionalId: transactionalIdFor(t.groupId, t.input, 0),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await previous.connect();
    onTestFinished(() => previous.disconnect());
    const tx = await previous.transaction();
    await tx.send({ topic: t.output, messages: range(5).map((i) => ({ key: `k${i}`, value: String(i) })) });
    await tx.sendOffsets({
      consumerGroupId: t.groupId,
      topics: [{ topic: t.input, partitions: [{ partition: 0, offset: '5' }] }],
    });
    await tx.commit();

    await produceInputs(await producerFor(kafka), t.input, 10); // the member fetches 0..9
    await allCommitted(await adminFor(kafka), t.groupId, t.input);
    const committed = await copiesIn(t.output, 'read_committed');
    expect([committed.distinct, committed.duplicates]).toEqual([10, 0]); // without the re-read: 0..4 twice
  });
});
