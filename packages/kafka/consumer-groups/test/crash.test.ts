import { fileURLToPath } from 'node:url';
import { eventually, type KafkaNamespace, kafkaNamespace, spawnTsWorker, type WorkerProcess } from '@poc/harness';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { consumerLag, type CommitMode } from '../src/index.ts';
import { adminFor, produceSeq, producerFor, range } from './helpers.ts';

let ns: KafkaNamespace;
beforeAll(async () => {
  ns = await kafkaNamespace({ name: 'kcrash' });
});
afterAll(() => ns?.close());

const WORKER = fileURLToPath(new URL('./crash-worker.ts', import.meta.url));
const MESSAGES = 20;
const CRASH_AFTER = 7; // the worker processes 7 messages, then dies in the middle of the 8th
const SENTINEL = 999; // produced after the restart: once it is processed, every re-delivery came before it

function spawn(
  commit: CommitMode,
  topic: string,
  group: string,
  crashAfter: number,
  commitEvery?: number,
): WorkerProcess {
  const w = spawnTsWorker(WORKER, [
    commit,
    topic,
    group,
    String(crashAfter),
    ...(commitEvery ? [String(commitEvery)] : []),
  ]);
  onTestFinished(() => w.kill());
  return w;
}
const processed = (w: WorkerProcess): number[] =>
  w.lines.filter((l) => l.startsWith('processed ')).map((l) => Number(l.slice(10)));

/** Crash a worker at the same point, restart one, and report what was done, lost and done twice. */
async function crashAndRestart(commit: CommitMode, commitEvery?: number) {
  const topic = ns.topic(`crash-${commit}`);
  const group = ns.groupId(`crash-${commit}`);
  await ns.createTopics([{ topic, numPartitions: 1 }]); // one partition: a single, total order
  const kafka = ns.kafka();
  const producer = await producerFor(kafka);
  const admin = await adminFor(kafka);
  await produceSeq(producer, topic, MESSAGES, 0, false);

  const first = spawn(commit, topic, group, CRASH_AFTER, commitEvery);
  await first.waitForLine('crash-point', 30_000);
  // What the group has committed at the moment of the crash (wait for the commit that is coming).
  const expectedCommitted = commit === 'auto' ? MESSAGES : Math.floor(CRASH_AFTER / commitEvery!) * commitEvery!;
  const atCrash = await eventually(
    async () => {
      const lag = await consumerLag(admin, group, topic);
      return lag.partitions[0]!.committed === expectedCommitted ? lag : false;
    },
    { timeoutMs: 20_000, what: `committed offset ${expectedCommitted}` },
  );
  await first.kill(); // SIGKILL: no shutdown hook, no final commit

  const second = spawn(commit, topic, group, 0, commitEvery);
  await second.waitForLine('joined', 30_000); // after the dead member's session timed out
  await produceSeq(producer, topic, 1, SENTINEL, false);
  await second.waitForLine(`processed ${SENTINEL}`, 30_000);

  const done = [...processed(first), ...processed(second).filter((v) => v !== SENTINEL)];
  const lost = range(MESSAGES).filter((v) => !done.includes(v));
  const twice = range(MESSAGES).filter((v) => done.filter((d) => d === v).length > 1);
  return {
    first: processed(first),
    committedAtCrash: atCrash.partitions[0]!.committed,
    lagAtCrash: atCrash.total,
    lost,
    twice,
  };
}

describe('a consumer process killed mid-stream (SIGKILL), then restarted', () => {
  it('loses the messages auto-commit acknowledged before they were processed (naive: hand-off + auto-commit)', async () => {
    const r = await crashAndRestart('auto');
    expect(r.first).toEqual(range(CRASH_AFTER));
    expect(r.committedAtCrash).toBe(MESSAGES); // committed everything the handler had returned for ...
    expect(r.lagAtCrash).toBe(0); // ... so lag says "all done" while 13 messages were never processed
    expect(r.lost).toEqual(range(MESSAGES - CRASH_AFTER, CRASH_AFTER)); // 7..19: 13 messages lost for good
    expect(r.twice).toEqual([]);
  });

  it('re-delivers, and so duplicates, what was processed since the last commit, and loses nothing (commit after processing)', async () => {
    const r = await crashAndRestart('after-processing', 5);
    expect(r.first).toEqual(range(CRASH_AFTER));
    expect(r.committedAtCrash).toBe(5); // committed after messages 0-4; 5 and 6 were processed, not yet committed
    expect(r.lost).toEqual([]);
    expect(r.twice).toEqual([5, 6]); // processed by the crashed worker and again by its successor
  });
});
