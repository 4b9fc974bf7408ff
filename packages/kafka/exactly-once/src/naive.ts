// What people write first, and how each breaks when a processor dies or stalls mid-chunk. Both take
// the same options and return the same Processor as the pattern, so tests and the bench compare like
// with like. Not exported from the main entry: import them from 'poc-kafka-exactly-once/naive'.
import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import { kafkaCall } from './errors.ts';
import { transactionalDelivery } from './exactly-once.ts';
import { createContext, type Delivery, type Processor, type ProcessorOptions } from './options.ts';
import { runProcessor } from './processor.ts';

/**
 * At-least-once: send the outputs (idempotent producer, acks -1), then commit the input offsets. A
 * crash between the two (or a commit refused after a rebalance) re-processes the chunk: its outputs
 * are written again. Nothing is lost; duplicates are.
 */
export function atLeastOnceProcessor(kafka: Kafka, options: ProcessorOptions): Processor {
  const context = createContext(kafka, options);
  let producer: Producer | undefined;
  const delivery: Delivery = {
    async open() {
      producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await kafkaCall('connecting the producer', () => producer!.connect());
    },
    claim: async () => undefined,
    async deliver(chunk, outputs, produced, commit) {
      if (outputs.length > 0) {
        await kafkaCall(`sending ${outputs.length} output(s) of ${context.input}/${chunk.partition}`, () =>
          producer!.send({ topic: context.output, acks: -1, messages: outputs }),
        );
      }
      await produced();
      await commit(); // the window: outputs written, offsets not yet committed
    },
    assigned: async () => undefined,
    async close() {
      await producer?.disconnect().catch(() => undefined);
    },
  };
  return runProcessor(context, delivery);
}

/**
 * Transactions with a new transactional id per producer (a random one, as when the id is left to
 * each process): every chunk is still atomic, and a crashed processor's open transaction is still
 * aborted (by the broker, once transactionTimeoutMs has passed). But nothing fences a processor that
 * only stalled: when it wakes up after its partition moved on, it commits its outputs and its old
 * offset, and the chunk its successor already processed is in the output twice.
 */
export function unfencedTransactionalProcessor(kafka: Kafka, options: ProcessorOptions): Processor {
  const context = createContext(kafka, options);
  return runProcessor(
    context,
    transactionalDelivery(context, () => `${context.groupId}.${randomUUID()}`),
  );
}
