// The naive version: what people write first. The same loop and the same counting step, but the counts
// live in a Map in memory, the output is produced with a plain producer and the input offsets are
// committed after it. Correct until the process dies: a restart begins with an empty Map and resumes
// after the committed offsets, so every count made before the crash in a still-open window is lost.
// Not exported from the main entry: import it from 'poc-kafka-stream-processing/naive'.
import type { Kafka, Producer } from 'kafkajs';
import { checkTopology, inRequests } from './changelog.ts';
import { kafkaCall } from './errors.ts';
import {
  createContext,
  runProcessor,
  type Committer,
  type Context,
  type WindowedCountOptions,
  type WindowedCounter,
} from './runtime.ts';
import { stateId } from './windows.ts';

/** Takes the same options as windowedCount() (`changelog` is checked but never written). */
export function naiveWindowedCount(kafka: Kafka, options: WindowedCountOptions): WindowedCounter {
  const context = createContext(kafka, options);
  return runProcessor(context, inMemory(context));
}

function inMemory(context: Context): Committer {
  let producer: Producer | undefined;
  return {
    async open() {
      await checkTopology(context.kafka, context, false);
      const p = context.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      producer = p;
      await kafkaCall('connecting the producer', () => p.connect());
      return { state: new Map(), restored: { records: 0, entries: 0, ms: 0 } }; // nothing survives a restart
    },

    async commit(batch) {
      const { step, info } = batch;
      const where = `${batch.topic}/${batch.partition} up to offset ${info.lastOffset}`;
      const requests = inRequests([
        {
          topic: context.output,
          messages: step.results.map((r) => ({ key: stateId(r.window, r.key, r.start), value: JSON.stringify(r) })),
        },
        { topic: context.lateEvents, messages: step.rejected.map((r) => ({ key: r.key, value: JSON.stringify(r) })) },
      ]);
      for (const topicMessages of requests)
        await kafkaCall(`sending the results of ${where}`, () => producer!.sendBatch({ acks: -1, topicMessages }));
      await context.hooks.beforeCommit?.(info);
      await batch.commitOffsets(); // after the output: at-least-once for the output, nothing for the counts
    },

    async close() {
      await producer?.disconnect();
    },
  };
}
