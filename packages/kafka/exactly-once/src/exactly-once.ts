// Exactly-once consume-transform-produce: each chunk's outputs and its input offsets are written in one
// Kafka transaction (`sendOffsets` inside it), so they become visible to read_committed readers together
// or not at all. A producer per input partition, with a transactional id fixed by the partition, fences
// whoever held that partition before: its open transaction is aborted, its late commit refused.
import type { Admin, Kafka, Producer } from 'kafkajs';
import { ExactlyOnceFencedError, isFencing, kafkaCall } from './errors.ts';
import { createContext, type Context, type Delivery, type Processor, type ProcessorOptions } from './options.ts';
import { runProcessor } from './processor.ts';

/** The transactional id of the producer for one input partition: the same in every instance and after every restart. */
export const transactionalIdFor = (groupId: string, topic: string, partition: number): string =>
  `${groupId}.${topic}.${partition}`;

/**
 * A processor whose every chunk is one transaction: outputs sent, offsets added with `sendOffsets`,
 * then committed. Every option is checked first (an ExactlyOnceArgumentError names it).
 */
export function exactlyOnceProcessor(kafka: Kafka, options: ProcessorOptions): Processor {
  const context = createContext(kafka, options);
  return runProcessor(
    context,
    transactionalDelivery(context, (p) => transactionalIdFor(context.groupId, context.input, p)),
  );
}

interface Held {
  id: string;
  producer: Producer;
}

/**
 * The transactional delivery, with the transactional id of each partition's producer given by `idFor`:
 * the pattern fixes it per partition; the naive variant in ./naive.ts makes a new one per producer,
 * which is what stops fencing from working.
 */
export function transactionalDelivery(context: Context, idFor: (partition: number) => string): Delivery {
  const { kafka, groupId, input, output } = context;
  const held = new Map<number, Held>();
  let admin: Admin | undefined;

  const release = async (partition: number): Promise<void> => {
    const h = held.get(partition);
    held.delete(partition);
    await h?.producer.disconnect().catch(() => undefined);
  };

  /** The offset the group has committed on `partition`, or undefined when it has none. */
  async function committedOffset(partition: number): Promise<string | undefined> {
    const [offsets] = await kafkaCall(`reading the offsets of group "${groupId}"`, () =>
      admin!.fetchOffsets({ groupId, topics: [input] }),
    );
    const offset = offsets?.partitions.find((p) => p.partition === partition)?.offset;
    return offset === undefined || BigInt(offset) < 0n ? undefined : offset;
  }

  return {
    async open() {
      admin = kafka.admin();
      await kafkaCall('connecting the admin client', () => admin!.connect());
    },

    async claim(partition) {
      if (held.has(partition)) return undefined;
      const id = idFor(partition);
      const producer = kafka.producer({
        transactionalId: id,
        idempotent: true, // a retried send is written once (sequence numbers per partition)
        maxInFlightRequests: 1,
        transactionTimeout: context.transactionTimeoutMs,
      });
      // connect() sends InitProducerId: the coordinator bumps the id's epoch, which fences every older
      // producer with this id, and aborts (or finishes committing) the transaction one left open.
      await kafkaCall(`starting the transactional producer "${id}"`, () => producer.connect()).catch(
        async (e: unknown) => {
          await producer.disconnect().catch(() => undefined);
          throw e;
        },
      );
      held.set(partition, { id, producer });
      return committedOffset(partition);
    },

    async deliver(chunk, outputs, produced) {
      const { id, producer } = held.get(chunk.partition)!;
      const what = `the transaction of ${input}/${chunk.partition}@${chunk.firstOffset}..${chunk.nextOffset} ("${id}")`;
      const transaction = await kafkaCall(`beginning ${what}`, () => producer.transaction());
      try {
        if (outputs.length > 0) {
          await kafkaCall(`sending ${outputs.length} output(s) in ${what}`, () =>
            transaction.send({ topic: output, acks: -1, messages: outputs }),
          );
        }
        await produced();
        await kafkaCall(`adding the input offset to ${what}`, () =>
          transaction.sendOffsets({
            consumerGroupId: groupId,
            topics: [{ topic: input, partitions: [{ partition: chunk.partition, offset: chunk.nextOffset }] }],
          }),
        );
        await kafkaCall(`committing ${what}`, () => transaction.commit());
      } catch (e) {
        // Abort what can be aborted; a producer that cannot is dropped, and its successor's
        // InitProducerId aborts the transaction for it. Either way no output of the chunk is committed.
        if (transaction.isActive()) await transaction.abort().catch(() => undefined);
        await release(chunk.partition);
        if (isFencing(e)) throw new ExactlyOnceFencedError(id, e);
        throw e;
      }
    },

    async assigned(partitions) {
      for (const p of [...held.keys()]) if (!partitions.includes(p)) await release(p);
    },

    async close() {
      for (const p of [...held.keys()]) await release(p);
      await admin?.disconnect().catch(() => undefined);
    },
  };
}
