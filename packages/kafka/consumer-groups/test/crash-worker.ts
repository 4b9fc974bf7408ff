// A consumer process for the crash test and the demo (test support, not part of the library):
// `test/crash-worker.ts <commit> <topic> <groupId> <crashAfter> [commitEvery]`.
// It prints "joined" when it has its partitions, "processed <value>" after doing the work for a
// message, and, once it has processed <crashAfter> messages (0 = never), "crash-point" before it
// stops dead in the middle of the next one, waiting to be SIGKILLed by the test.
import { kafkaClient } from '@poc/harness';
import { logLevel, type EachMessagePayload } from 'kafkajs';
import { runGroupConsumer, type CommitMode } from '../src/index.ts';

const [commit, topic, groupId, crashAfterArg, commitEveryArg] = process.argv.slice(2) as [
  CommitMode,
  string,
  string,
  string,
  string | undefined,
];
const crashAfter = Number(crashAfterArg);
const kafka = kafkaClient(process.env.POC_KAFKA_BROKERS!, { logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({
  groupId,
  sessionTimeout: 6_000,
  heartbeatInterval: 500,
  rebalanceTimeout: 6_000,
  maxWaitTimeInMs: 100,
});
consumer.on(consumer.events.GROUP_JOIN, () => console.log('joined'));

let processed = 0;
const stall = (): Promise<never> => new Promise(() => {});
/** The work: here, printing that it was done. A real one would write to a database or call a service. */
async function work(value: string): Promise<void> {
  if (crashAfter > 0 && processed === crashAfter) {
    console.log('crash-point');
    await stall();
  }
  console.log(`processed ${value}`);
  processed++;
}

let handle: (p: EachMessagePayload) => Promise<void>;
if (commit === 'auto') {
  // The common shape that makes auto-commit lose messages: the handler hands the message to an
  // in-process queue and returns at once (throughput!), a loop does the work later. KafkaJS commits
  // what the handler returned for, which is more than what the loop has done.
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  handle = async ({ message }) => {
    queue.push(String(message.value));
    wake?.();
  };
  void (async () => {
    for (;;) {
      while (queue.length === 0) await new Promise<void>((r) => (wake = r));
      await work(queue.shift()!);
    }
  })();
} else {
  handle = async ({ message }) => work(String(message.value));
}

await consumer.connect();
await runGroupConsumer(consumer, {
  topic,
  commit,
  ...(commit === 'after-processing' ? { commitEvery: Number(commitEveryArg ?? '1') } : {}),
  fromBeginning: true,
  handle,
});
