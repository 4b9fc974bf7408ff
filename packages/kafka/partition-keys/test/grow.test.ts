// Adding partitions re-maps keys: how many move (read back from the broker), and the two ways it breaks
// a key's order — a backlog on the old partition read after the new messages on the new one, and a
// producer still mapping keys by the old count — against growPartitions(), which waits for the readers
// to drain, and refresh(), which makes the producer see the new count.
import { eventually, kafkaNamespace, type KafkaNamespace } from '@poc/harness';
import { logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PartitionsNotDrainedError,
  expectedMovedFraction,
  growPartitions,
  isPartitionKeysError,
  keyBy,
  minimumMovedFraction,
  movedKeys,
  partitionFor,
} from '../src/index.ts';
import { naiveGrowPartitions } from '../src/naive.ts';
import { adminFor, consumerFor, inversions, producerFor, range } from './helpers.ts';

let ns: KafkaNamespace;
beforeAll(async () => {
  ns = await kafkaNamespace({ name: 'pkgrow' });
});
afterAll(() => ns?.close());

interface Event {
  key: string;
  seq: number;
}
interface Seen extends Event {
  partition: number;
  offset: number;
}
const byKey = keyBy<Event>('key', (e) => e.key);
const events = (keys: readonly string[], seqs: readonly number[]): Event[] =>
  seqs.flatMap((seq) => keys.map((key) => ({ key, seq })));
/** Each (partition, offset) once: a message handled again after a rebalance is a duplicate, not a reordering. */
const once = (seen: readonly Seen[]): Seen[] => {
  const ids = new Set<string>();
  return seen.filter((s) => !ids.has(`${s.partition}@${s.offset}`) && ids.add(`${s.partition}@${s.offset}`));
};
/** Keys with a message handled after a later one of the same key. */
const keysOutOfOrder = (seen: readonly Seen[]): Set<string> => {
  const highest = new Map<string, number>();
  const out = new Set<string>();
  for (const s of seen) {
    if ((highest.get(s.key) ?? -1) > s.seq) out.add(s.key);
    else highest.set(s.key, s.seq);
  }
  return out;
};

describe('adding partitions', () => {
  it('predicts the share of keys that move: 75 % from 6 to 8 by modulo, where a consistent hash would move 25 %', () => {
    const keys = range(20_000).map((i) => `key-${i}`);
    expect(expectedMovedFraction(6, 8)).toBe(0.75);
    expect(expectedMovedFraction(6, 12)).toBe(0.5);
    expect(minimumMovedFraction(6, 8)).toBe(0.25);
    for (const [from, to] of [
      [6, 8],
      [6, 12],
      [6, 7],
      [8, 16],
    ] as const) {
      const { fraction } = movedKeys(keys, from, to);
      expect(Math.abs(fraction - expectedMovedFraction(from, to)), `${from} -> ${to}`).toBeLessThan(0.02);
      expect(fraction, `${from} -> ${to}`).toBeGreaterThan(minimumMovedFraction(from, to));
    }
  });

  it('growPartitions refuses while a group has unread messages, grows once it has drained, and no key is read out of order', async () => {
    const KEYS = range(800).map((i) => `key-${i}`);
    const topic = ns.topic('safe');
    const groupId = ns.groupId('safe');
    await ns.createTopics([{ topic, numPartitions: 6 }]);
    const kafka = ns.kafka({ logLevel: logLevel.NOTHING });
    const admin = await adminFor(kafka);
    const producer = await producerFor(kafka, { topic, key: byKey });
    await producer.send(events(KEYS, [0, 1]));

    // Nobody has read anything yet: refused, with the lag it saw.
    const refused = await growPartitions(admin, {
      topic,
      count: 8,
      groupIds: [groupId],
      timeoutMs: 1_000,
      pollMs: 100,
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PartitionsNotDrainedError);
    expect(isPartitionKeysError(refused, 'not-drained')).toBe(true);
    const notDrained = refused as PartitionsNotDrainedError;
    expect(notDrained.lag.reduce((s, l) => s + l.lag, 0)).toBe(KEYS.length * 2);
    expect(notDrained.message).toContain(`group "${groupId}" has ${KEYS.length * 2} unread message(s)`);
    expect((await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.length).toBe(6);

    // The group reads (and picks up new partitions within a second: metadataMaxAge), then the topic grows.
    const seen: Seen[] = [];
    const consumer = await consumerFor(kafka, groupId, { metadataMaxAge: 1_000 });
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) =>
        void seen.push({ ...(JSON.parse(String(message.value)) as Event), partition, offset: Number(message.offset) }),
    });
    const grown = await growPartitions(admin, { topic, count: 8, groupIds: [groupId], pollMs: 100 });
    expect(grown).toMatchObject({ from: 6, to: 8, expectedMoved: 0.75 });
    expect(once(seen).length).toBe(KEYS.length * 2); // everything before the change was read before it

    await producer.refresh(); // maps keys by 8 partitions from now on
    await producer.send(events(KEYS, [2, 3]));
    await eventually(() => once(seen).length === KEYS.length * 4, { timeoutMs: 30_000, what: 'all 3 200 read' });

    const read = once(seen);
    expect(keysOutOfOrder(read)).toEqual(new Set());
    const before = new Map(read.filter((s) => s.seq < 2).map((s) => [s.key, s.partition]));
    const after = new Map(read.filter((s) => s.seq >= 2).map((s) => [s.key, s.partition]));
    expect(KEYS.filter((k) => before.get(k) !== partitionFor(k, 6))).toEqual([]);
    expect(KEYS.filter((k) => after.get(k) !== partitionFor(k, 8))).toEqual([]);
    // How many moved, measured on the broker, against the prediction.
    const moved = KEYS.filter((k) => before.get(k) !== after.get(k));
    expect(new Set(moved)).toEqual(new Set(movedKeys(KEYS, 6, 8).moved));
    expect(Math.abs(moved.length / KEYS.length - expectedMovedFraction(6, 8))).toBeLessThan(0.05);
  });

  it('growPartitions refuses while producers are still writing, and says so', async () => {
    const topic = ns.topic('writing');
    const groupId = ns.groupId('writing');
    await ns.createTopics([{ topic, numPartitions: 6 }]);
    const kafka = ns.kafka({ logLevel: logLevel.NOTHING });
    const admin = await adminFor(kafka);
    const producer = await producerFor(kafka, { topic, key: byKey });
    let stop = false;
    let sent = 0;
    const writing = (async () => {
      while (!stop) await producer.send(events([`key-${sent++ % 50}`], [sent]));
    })();
    await eventually(() => sent > 5, { timeoutMs: 30_000, what: 'writes flowing' });
    const err = await growPartitions(admin, {
      topic,
      count: 8,
      groupIds: [groupId],
      timeoutMs: 1_000,
      pollMs: 100,
    }).catch((e: unknown) => e);
    stop = true;
    await writing;
    expect(isPartitionKeysError(err, 'not-drained')).toBe(true);
    expect((err as PartitionsNotDrainedError).stillWriting).toBe(true);
    expect((err as Error).message).toMatch(/producers are still writing$/);
    expect((await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.length).toBe(6);
  });

  it('break it: grown with a backlog, a moved key is read newer-before-older; a producer not refreshed splits it over two partitions', async () => {
    const KEYS = range(200).map((i) => `key-${i}`);
    const topic = ns.topic('naive');
    await ns.createTopics([{ topic, numPartitions: 6 }]);
    const kafka = ns.kafka({ logLevel: logLevel.NOTHING });
    const admin = await adminFor(kafka);
    const early = await producerFor(kafka, { topic, key: byKey });
    await early.send(events(KEYS, [0, 1, 2])); // a backlog: nobody has read it yet

    const endsAtChange = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
    await naiveGrowPartitions(admin, { topic, count: 8, groupIds: [ns.groupId('naive')] });
    const late = await producerFor(kafka, { topic, key: byKey }); // connected after: sees 8 partitions
    await late.send(events(KEYS, [3, 4, 5]));
    await early.send(events(KEYS, [6])); // still maps by 6 partitions (metadataMaxAge: 5 minutes)

    // The new partitions hold only new messages; the old ones start with the backlog. A consumer that
    // still works through the backlog (held here until the new partitions are read, to make it certain)
    // hands the moved keys' new messages on before their old ones.
    const newPartitionMessages = (await admin.fetchTopicOffsets(topic))
      .filter((o) => o.partition >= 6)
      .reduce((s, o) => s + Number(o.high), 0);
    const seen: Seen[] = [];
    let backlogMayGo!: () => void;
    const backlogHeld = new Promise<void>((resolve) => (backlogMayGo = resolve));
    const consumer = await consumerFor(kafka, ns.groupId('naive'));
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: 8,
      eachMessage: async ({ partition, message }) => {
        const offset = Number(message.offset);
        if (offset < (endsAtChange.get(partition) ?? 0)) await backlogHeld;
        seen.push({ ...(JSON.parse(String(message.value)) as Event), partition, offset });
        if (seen.filter((s) => s.partition >= 6).length === newPartitionMessages) backlogMayGo();
      },
    });
    await eventually(() => once(seen).length === KEYS.length * 7, { timeoutMs: 30_000, what: 'all 1 400 read' });

    const read = once(seen);
    const movedToNew = KEYS.filter((k) => partitionFor(k, 8) >= 6);
    expect(movedToNew.length).toBeGreaterThan(0);
    expect(newPartitionMessages).toBe(movedToNew.length * 3);
    const outOfOrder = keysOutOfOrder(read);
    for (const k of movedToNew) expect(outOfOrder.has(k), k).toBe(true); // 3, 4, 5 handled before 0, 1, 2
    expect(
      inversions(
        read,
        (s) => s.key,
        (s) => s.seq,
      ),
    ).toBeGreaterThanOrEqual(movedToNew.length * 3);

    // The producer connected before the change wrote seq 6 by the old count: every moved key now has its
    // post-change messages on two partitions, and their relative order is whatever the consumers make it.
    const postChange = read.filter((s) => s.seq >= 3);
    const split = KEYS.filter((k) => new Set(postChange.filter((s) => s.key === k).map((s) => s.partition)).size > 1);
    expect(new Set(split)).toEqual(new Set(movedKeys(KEYS, 6, 8).moved));
  });
});
