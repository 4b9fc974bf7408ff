// Windowed counts that survive a crash exactly. Each fetched batch is committed in ONE Kafka
// transaction: the new counts to a compacted changelog topic, the count updates to the output topic,
// late events to their topic, and the input offsets (sendOffsets). read_committed readers see all of a
// batch or none of it. On start, the processor first fences any older instance of its name (the
// coordinator aborts that instance's open transaction), then rebuilds its state from the changelog
// (committed records only) and resumes from the committed offsets: state and position always agree.
import { performance } from 'node:perf_hooks';
import type { Kafka, Message, Producer } from 'kafkajs';
import { checkTopology, inRequests, readLatestByKey } from './changelog.ts';
import { kafkaCall } from './errors.ts';
import {
  createContext,
  runProcessor,
  type BatchCommit,
  type Committer,
  type Context,
  type WindowedCountOptions,
  type WindowedCounter,
} from './runtime.ts';
import { stateId, type CountState, type StateEntry, type WindowCount } from './windows.ts';

/**
 * A consume-transform-produce processor that counts events per key per window, keeps its state in a
 * compacted changelog and commits every batch in a Kafka transaction. Every argument is checked first.
 */
export function windowedCount(kafka: Kafka, options: WindowedCountOptions): WindowedCounter {
  const context = createContext(kafka, options);
  return runProcessor(context, transactionalChangelog(context));
}

/** How long the coordinator lets a transaction stay open before aborting it on its own. */
const TRANSACTION_TIMEOUT_MS = 30_000;

/** The changelog record of a count: its value is the count with its window, so a restore needs nothing else. */
const changelogValue = ({ partition: _, ...count }: StateEntry): string => JSON.stringify(count);

function transactionalChangelog(context: Context): Committer {
  const { kafka, name } = context;
  let producer: Producer | undefined;
  return {
    async open(signal) {
      await checkTopology(kafka, context, true);
      const p = kafka.producer({
        transactionalId: name,
        idempotent: true,
        maxInFlightRequests: 1,
        transactionTimeout: TRANSACTION_TIMEOUT_MS,
      });
      producer = p;
      await kafkaCall('connecting the transactional producer', () => p.connect());
      // The first transaction() runs InitProducerId for this transactional id: it bumps the epoch, so an
      // older instance still alive is fenced, and the coordinator aborts that instance's open transaction
      // (and waits for its abort markers) before answering. Only then is the changelog's end stable.
      await kafkaCall(`fencing older instances of "${name}"`, async () => (await p.transaction()).abort());
      const t0 = performance.now();
      const snapshot = await readLatestByKey(kafka, context.changelog, { groupPrefix: `${name}.restore`, signal });
      const state: CountState = new Map();
      for (const [id, record] of snapshot.latest) {
        if (record.value === null) continue; // a tombstone: the window closed
        const count = JSON.parse(record.value.toString()) as WindowCount;
        state.set(id, { ...count, partition: record.partition });
      }
      return { state, restored: { records: snapshot.records, entries: state.size, ms: performance.now() - t0 } };
    },

    async commit(batch: BatchCommit) {
      const p = producer!;
      const { step, info } = batch;
      const changelog = [
        ...step.updated.map((e) => ({
          key: stateId(e.window, e.key, e.start),
          value: changelogValue(e),
          partition: e.partition,
        })),
        ...step.closed.map((e) => ({ key: stateId(e.window, e.key, e.start), value: null, partition: e.partition })),
      ];
      info.changelogRecords = changelog.length;
      const output = step.results.map((r) => ({ key: stateId(r.window, r.key, r.start), value: JSON.stringify(r) }));
      const late = step.rejected.map((r) => ({ key: r.key, value: JSON.stringify(r) }));
      const where = `${batch.topic}/${batch.partition} up to offset ${info.lastOffset}`;
      const txn = await kafkaCall(`beginning the transaction for ${where}`, () => p.transaction());
      try {
        const requests = inRequests<Message>([
          { topic: context.changelog, messages: changelog },
          { topic: context.output, messages: output },
          { topic: context.lateEvents, messages: late },
        ]);
        for (const topicMessages of requests)
          await kafkaCall(`sending the results of ${where}`, () => txn.sendBatch({ acks: -1, topicMessages }));
        await kafkaCall(`adding the offsets of ${where} to the transaction`, () =>
          txn.sendOffsets({
            consumerGroupId: name,
            topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: batch.nextOffset }] }],
          }),
        );
        await context.hooks.beforeCommit?.(info);
        await kafkaCall(`committing the transaction for ${where}`, () => txn.commit());
      } catch (e) {
        if (txn.isActive()) await txn.abort().catch(() => undefined);
        throw e;
      }
    },

    async close() {
      await producer?.disconnect();
    },
  };
}
