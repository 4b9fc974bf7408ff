// SIGKILL a processor process in the middle of a window, with a batch sent but not committed, restart
// it, and compare the counts it ends with to a recount of the input from scratch. The pattern's are
// equal; the naive version's are short by exactly what it had counted before the crash.
import { fileURLToPath } from 'node:url';
import { eventually, kafkaNamespace, spawnTsWorker, type KafkaNamespace, type WorkerProcess } from '@poc/harness';
import { ManualClock } from '@poc/kit';
import { logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, it, type TestContext } from 'vitest';
import { windowedCount } from '../src/index.ts';
import {
  BY_HAND,
  POLL,
  CRASH_GRACE_MS,
  FAST_GROUP,
  MINUTE,
  T0,
  asMap,
  changelogState,
  createProcessorTopics,
  latestOutput,
  outputRecords,
  recount,
  sendEvents,
  sum,
  windows,
  type TestEvent,
} from './helpers.ts';

let ns: KafkaNamespace;
beforeAll(async () => {
  ns = await kafkaNamespace({ name: 'stream_processing_crash' });
});
afterAll(() => ns?.close());

const WORKER = fileURLToPath(new URL('./crash-worker.ts', import.meta.url));
const NOW = T0 + 2 * MINUTE; // the workers' fixed clock: mid-window for the events below, and no window closed
const PER_STAGE = 40;

/** Stage s: 40 events of four keys within the minutes T0+1 min .. T0+3 min, in a fixed order. */
function stage(s: number): TestEvent[] {
  const keys = ['alice', 'bob', 'carol', 'dave'];
  return Array.from({ length: PER_STAGE }, (_, i) => ({
    key: keys[(i * 3 + s) % 4]!,
    time: T0 + MINUTE + ((s * 6007 + i * 2999) % (2 * MINUTE)),
  }));
}

const offsetsOf = async (admin: Admin, topic: string): Promise<Record<string, string>> =>
  Object.fromEntries((await admin.fetchTopicOffsets(topic)).map((p) => [String(p.partition), p.high]));

/** Waits until the group has committed (by transaction, or plainly for the naive version) up to `ends`. */
async function committedUpTo(admin: Admin, group: string, topic: string, ends: Record<string, string>): Promise<void> {
  await eventually(
    async () => {
      const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      return offsets!.partitions.every((p) => p.offset === ends[String(p.partition)]);
    },
    { timeoutMs: 90_000, intervalMs: 100, what: `group ${group} committed up to ${JSON.stringify(ends)}` },
  );
}

interface CrashRun {
  all: TestEvent[];
  stage1: TestEvent[];
  crashPoint: string;
  restoredLine: string;
  topics: Awaited<ReturnType<typeof createProcessorTopics>>;
}

/**
 * Stage 1 is committed by a first worker; stage 2 is sent, and the worker dies (SIGKILL) with it sent but
 * not committed; a second worker starts, and stage 3 follows. Returns once stage 3 is committed.
 */
async function crashAndRestart(variant: 'pattern' | 'naive', { onTestFinished }: TestContext): Promise<CrashRun> {
  const topics = await createProcessorTopics(ns, `crash-${variant}`, 2);
  const name = ns.groupId(`crash-${variant}`);
  const kafka = ns.kafka({ logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  onTestFinished(() => producer.disconnect());
  const admin = kafka.admin();
  await admin.connect();
  onTestFinished(() => admin.disconnect());
  const spawn = (stall?: Record<string, string>): WorkerProcess => {
    const args = [variant, name, JSON.stringify(topics), String(NOW), ...(stall ? [JSON.stringify(stall)] : [])];
    const w = spawnTsWorker(WORKER, args);
    onTestFinished(() => w.kill());
    return w;
  };

  await sendEvents(producer, topics.input, stage(1));
  const afterStage1 = await offsetsOf(admin, topics.input);
  const first = spawn(afterStage1); // stalls in the first batch that goes past stage 1
  await committedUpTo(admin, name, topics.input, afterStage1);
  await sendEvents(producer, topics.input, stage(2));
  const crashPoint = await first.waitForLine('crash-point', 90_000);
  await first.kill(); // SIGKILL with the batch sent, its commit not done: the windows are half counted

  const second = spawn();
  const restoredLine = await second.waitForLine('restored', 90_000);
  await second.waitForLine('running', 90_000);
  await sendEvents(producer, topics.input, stage(3));
  await committedUpTo(admin, name, topics.input, await offsetsOf(admin, topics.input));
  await second.kill();
  return { all: [...stage(1), ...stage(2), ...stage(3)], stage1: stage(1), crashPoint, restoredLine, topics };
}

describe(
  'a processor process killed (SIGKILL) mid-window with a batch in flight, then restarted',
  { timeout: 240_000 },
  () => {
    it.concurrent(
      'pattern: restores the committed counts from the changelog and ends equal to a recount from scratch',
      async (context) => {
        const { expect, onTestFinished } = context; // a concurrent test must use its own context's
        const run = await crashAndRestart('pattern', context);
        const kafka = ns.kafka({ logLevel: logLevel.NOTHING });
        const [, changelogSent] = run.crashPoint.split(' ').map(Number);
        expect(changelogSent).toBeGreaterThan(0); // the killed transaction had written to the changelog ...
        const [, records, entries] = run.restoredLine.split(' ').map(Number);
        expect(entries).toBe(recount(run.stage1, BY_HAND).size); // ... yet the restore saw only stage 1's counts
        expect(records).toBeGreaterThanOrEqual(entries!);

        const expected = recount(run.all, BY_HAND);
        // Visible to read_committed readers once the last commit's markers are written: poll.
        await expect.poll(() => changelogState(kafka, run.topics.changelog), POLL).toEqual(expected);
        await expect
          .poll(async () => latestOutput(await outputRecords(kafka, run.topics.output)), POLL)
          .toEqual(expected);

        // The same input counted from scratch by a processor that never crashed (its own name and topics).
        const fresh = await createProcessorTopics(ns, 'crash-fresh', 2);
        const recomputed = windowedCount(kafka, {
          name: ns.groupId('crash-fresh'),
          ...fresh,
          input: run.topics.input,
          windows: windows(),
          graceMs: CRASH_GRACE_MS,
          clock: new ManualClock(NOW),
          consumer: FAST_GROUP,
        });
        onTestFinished(() => recomputed.stop());
        await recomputed.start();
        await eventually(() => recomputed.status().events === run.all.length, {
          timeoutMs: 30_000,
          what: 'the recount',
        });
        expect(asMap(recomputed.counts())).toEqual(expected);
      },
    );

    it.concurrent(
      'break it: the naive version (state in memory) ends short by exactly the counts it made before the crash',
      async (context) => {
        const { expect } = context;
        const run = await crashAndRestart('naive', context);
        const kafka = ns.kafka({ logLevel: logLevel.NOTHING });
        expect(run.restoredLine).toBe('restored 0 0');
        const expected = recount(run.all, BY_HAND);
        const got = latestOutput(await outputRecords(kafka, run.topics.output));
        const lost = sum(expected) - sum(got);
        expect(lost).toBe(sum(recount(run.stage1, BY_HAND))); // 40 events × (1 tumbling + 3 hopping windows) = 160
        expect(lost).toBe(160);
        // What it ends with is a count of what came after its last commit: stage 1 is forgotten.
        expect(got).toEqual(recount(run.all.slice(PER_STAGE), BY_HAND));
      },
    );
  },
);
