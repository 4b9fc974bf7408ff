// Commit after processing, under the interleavings that break it: a rebalance in the middle of a
// batch, and a handler that pauses its partition.
import { eventually, kafkaNamespace, type KafkaNamespace } from '@poc/harness';
import type { EachMessagePayload } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerLag, runGroupConsumer } from '../src/index.ts';
import { adminFor, consumerFor, produceSeq, producerFor, range } from './helpers.ts';

let ns: KafkaNamespace;
beforeAll(async () => {
  ns = await kafkaNamespace({ name: 'kafter' });
});
afterAll(() => ns?.close());

const isRebalancing = (e: unknown): boolean =>
  ['REBALANCE_IN_PROGRESS', 'NOT_COORDINATOR_FOR_GROUP', 'ILLEGAL_GENERATION'].includes(
    (e as { type?: string }).type ?? '',
  );

/** Values handled more than once. */
const twice = (handled: readonly number[]): number[] =>
  [...new Set(handled.filter((v, i) => handled.indexOf(v) !== i))].sort((a, b) => a - b);

describe('commit after processing', () => {
  it('commits what it handled when a rebalance interrupts a batch: a member joining redoes no work', async () => {
    const MESSAGES = 400;
    const HOLD_AT = 150; // 50 messages past the commit at 100 (commitEvery 100)
    const topic = ns.topic('rebalance-mid-batch');
    const group = ns.groupId('rebalance-mid-batch');
    await ns.createTopics([{ topic, numPartitions: 1 }]); // one partition: one total order, one owner
    const kafka = ns.kafka();
    const admin = await adminFor(kafka);
    await produceSeq(await producerFor(kafka), topic, MESSAGES, 0, false);

    const handled: number[] = [];
    let startB!: () => void;
    const bMayJoin = new Promise<void>((resolve) => (startB = resolve));
    const handle = async ({ message, heartbeat }: EachMessagePayload): Promise<void> => {
      const v = Number(message.value);
      handled.push(v);
      if (v === HOLD_AT && handled.filter((h) => h === HOLD_AT).length === 1) {
        // Make the interleaving certain: B joins while A holds this message, and A goes on only once
        // the coordinator answers its heartbeat with "rebalance in progress". The batch loop's own
        // heartbeat right after this message then throws, with 100..150 handled and not committed.
        startB();
        await eventually(() => heartbeat().then(() => false, isRebalancing), {
          timeoutMs: 30_000,
          intervalMs: 50,
          what: 'the coordinator announcing a rebalance',
        });
      }
    };
    const options = { topic, commit: 'after-processing', commitEvery: 100, fromBeginning: true, handle } as const;

    await runGroupConsumer(await consumerFor(kafka, group), options);
    await bMayJoin;
    await runGroupConsumer(await consumerFor(kafka, group), options);

    // Done when every message was handled and the group has committed the end of the log: nothing
    // is left to re-deliver after that.
    await eventually(
      async () => new Set(handled).size === MESSAGES && (await consumerLag(admin, group, topic)).total === 0,
      { timeoutMs: 60_000, intervalMs: 100, what: `${MESSAGES} messages handled and committed` },
    );
    expect([...new Set(handled)].sort((a, b) => a - b)).toEqual(range(MESSAGES));
    expect(twice(handled)).toEqual([]); // old code: 100..150 handled again by the partition's next owner
  });

  it('stops handling a partition the handler paused, right after that message, and resumes where it stopped', async () => {
    const MESSAGES = 20;
    const PAUSE_AT = 5;
    const topic = ns.topic('pause');
    const group = ns.groupId('pause');
    await ns.createTopics([{ topic, numPartitions: 1 }]);
    const kafka = ns.kafka();
    const admin = await adminFor(kafka);
    await produceSeq(await producerFor(kafka), topic, MESSAGES, 0, false); // one request: one fetched batch

    const handled: number[] = [];
    let resume: (() => void) | undefined;
    await runGroupConsumer(await consumerFor(kafka, group), {
      topic,
      commit: 'after-processing',
      commitEvery: 100, // the only commit is where the batch loop stops: at the pause, or at the batch's end
      fromBeginning: true,
      handle: async ({ message, pause }) => {
        handled.push(Number(message.value));
        if (Number(message.value) === PAUSE_AT && resume === undefined) resume = pause(); // e.g. a downstream is overloaded
      },
    });

    // The batch loop commits where it stopped: old code kept handling the batch and committed 20.
    const committed = await eventually(
      async () => {
        const c = (await consumerLag(admin, group, topic)).partitions[0]!.committed;
        return c > 0 ? c : false;
      },
      { timeoutMs: 30_000, what: 'a commit' },
    );
    expect(handled).toEqual(range(PAUSE_AT + 1));
    expect(committed).toBe(PAUSE_AT + 1);

    resume!();
    await eventually(() => handled.length >= MESSAGES, { timeoutMs: 30_000, what: `${MESSAGES} handled` });
    await eventually(async () => (await consumerLag(admin, group, topic)).total === 0, {
      timeoutMs: 30_000,
      what: 'everything committed',
    });
    expect(handled).toEqual(range(MESSAGES)); // the rest of the batch, once each, in order
  });
});
