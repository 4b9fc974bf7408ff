import { eventually, kafkaNamespace, type KafkaNamespace } from '@poc/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  coversExactlyOnce,
  describeAssignment,
  runGroupConsumer,
  trackAssignment,
  type AssignmentTracker,
} from '../src/index.ts';
import { adminFor, consumerFor, produceSeq, producerFor, range } from './helpers.ts';

let ns: KafkaNamespace;
beforeAll(async () => {
  ns = await kafkaNamespace({ name: 'kgroups' });
});
afterAll(() => ns?.close());

const PARTITIONS = 6;

describe('partitions shared by a group, and rebalancing', () => {
  it('splits partitions among members, moves them when one joins or leaves, and keeps each partition owned by exactly one member', async () => {
    const topic = ns.topic('shared');
    await ns.createTopics([{ topic, numPartitions: PARTITIONS }]);
    const kafka = ns.kafka();
    const admin = await adminFor(kafka);
    const group = ns.groupId('shared');
    const handledBy = new Map<string, Set<string>>(); // value -> members that handled it
    const start = async (name: string): Promise<{ tracker: AssignmentTracker; stop: () => Promise<void> }> => {
      const consumer = await consumerFor(kafka, group);
      const tracker = trackAssignment(consumer, topic);
      await runGroupConsumer(consumer, {
        topic,
        commit: 'after-processing',
        fromBeginning: true,
        handle: async ({ message }) =>
          void handledBy.set(String(message.value), new Set([...(handledBy.get(String(message.value)) ?? []), name])),
      });
      return { tracker, stop: () => consumer.disconnect() };
    };
    /** Waits for a stable group of `n` members where every member's own view matches the coordinator's. */
    const stable = async (trackers: AssignmentTracker[]) =>
      eventually(
        async () => {
          const a = await describeAssignment(admin, group, topic);
          if (a.state !== 'Stable' || a.members.length !== trackers.length || !coversExactlyOnce(a, PARTITIONS))
            return false;
          const views = trackers.map((t) => a.members.find((m) => m.memberId === t.memberId())?.partitions.join());
          return views.every((v, i) => v === trackers[i]!.partitions().join()) ? a : false;
        },
        { timeoutMs: 30_000, intervalMs: 100, what: `a stable group of ${trackers.length}` },
      );

    const a = await start('a');
    await stable([a.tracker]);
    expect(a.tracker.partitions()).toEqual(range(PARTITIONS)); // alone, it owns everything

    const b = await start('b');
    await stable([a.tracker, b.tracker]);
    expect(a.tracker.partitions().length).toBe(PARTITIONS / 2);
    expect(b.tracker.partitions().length).toBe(PARTITIONS / 2);
    expect([...a.tracker.partitions(), ...b.tracker.partitions()].sort((x, y) => x - y)).toEqual(range(PARTITIONS)); // b's partitions moved from a

    const c = await start('c');
    await stable([a.tracker, b.tracker, c.tracker]);
    expect([a, b, c].map((m) => m.tracker.partitions().length)).toEqual([2, 2, 2]);
    const bHad = b.tracker.partitions();

    await b.stop(); // a clean leave: the coordinator rebalances at once, no session timeout to wait for
    await stable([a.tracker, c.tracker]);
    expect([a, c].map((m) => m.tracker.partitions().length)).toEqual([3, 3]);
    // After the rebalance, by the members' own views: every partition (b's included) owned exactly once.
    const owned = [...a.tracker.partitions(), ...c.tracker.partitions()].sort((x, y) => x - y);
    expect(owned).toEqual(range(PARTITIONS));
    for (const p of bHad) expect(owned).toContain(p);
    // a took part in every rebalance: it joined, then rejoined when b joined, c joined and b left. KafkaJS
    // may rejoin more than once for one change (a run saw 5 joins), so only the lower bound is a property.
    expect(a.tracker.joins()).toBeGreaterThanOrEqual(4);

    // Work keeps flowing through the remaining members, and nothing is handled twice.
    await produceSeq(await producerFor(kafka), topic, 60);
    await eventually(() => handledBy.size === 60, { timeoutMs: 30_000, what: '60 messages handled' });
    expect([...handledBy.keys()].map(Number).sort((x, y) => x - y)).toEqual(range(60));
    expect([...handledBy.values()].every((who) => who.size === 1 && !who.has('b'))).toBe(true);
  });
});
