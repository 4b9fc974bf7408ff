// A processor process for the crash test and the demo (test support, not part of the library):
// `test/crash-worker.ts <pattern|naive> <name> <topics JSON> <nowMs> [stallFrom JSON]`.
// It counts with a clock fixed at <nowMs> (so no event is late, whenever it runs) and prints
// "restored <records> <entries>" and "running" once it consumes, "committed <partition> <lastOffset>"
// after each commit, and, for the first batch that reaches an offset of stallFrom ({ partition: offset }),
// "crash-point <changelog records> <output records>" when everything of that batch has been sent and only
// the commit is left; then it stops dead, waiting to be SIGKILLed.
import { kafkaClient } from '@poc/harness';
import { ManualClock } from '@poc/kit';
import { logLevel } from 'kafkajs';
import { windowedCount, type ProcessorTopics } from '../src/index.ts';
import { naiveWindowedCount } from '../src/naive.ts';
import { CRASH_GRACE_MS, FAST_GROUP, windows } from './fixtures.ts';

const [variant, name, topicsJson, nowArg, stallArg] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string?,
];
const topics = JSON.parse(topicsJson) as ProcessorTopics;
const stallFrom = new Map(
  Object.entries(JSON.parse(stallArg ?? '{}') as Record<string, string>).map(([p, o]) => [Number(p), BigInt(o)]),
);
const kafka = kafkaClient(process.env.POC_KAFKA_BROKERS!, { logLevel: logLevel.NOTHING });
const create = variant === 'naive' ? naiveWindowedCount : windowedCount;

const processor = create(kafka, {
  name,
  ...topics,
  windows: windows(),
  graceMs: CRASH_GRACE_MS,
  clock: new ManualClock(Number(nowArg)), // never advanced: the processor's "now" is fixed
  consumer: FAST_GROUP,
  hooks: {
    async beforeCommit(info) {
      const from = stallFrom.get(info.partition);
      if (from === undefined || BigInt(info.lastOffset) < from) return;
      console.log(`crash-point ${info.changelogRecords} ${info.outputRecords}`);
      await new Promise<never>(() => {});
    },
    afterCommit: (info) => console.log(`committed ${info.partition} ${info.lastOffset}`),
  },
});
const restored = await processor.start();
console.log(`restored ${restored.records} ${restored.entries}`);
console.log('running');
await processor.stopped;
