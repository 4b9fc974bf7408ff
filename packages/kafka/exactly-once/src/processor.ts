// A consume-transform-produce processor: it reads a topic as a consumer group, turns each input message
// into zero or more output messages, writes them to another topic, and commits the input offsets, a
// chunk of `batchSize` inputs at a time. How the outputs and the offsets reach Kafka (one transaction,
// or a send followed by a commit) is a Delivery: ./exactly-once.ts and ./naive.ts each bring one.
import type { Consumer, KafkaMessage, Message } from 'kafkajs';
import {
  ExactlyOnceServiceError,
  ExactlyOnceTransformError,
  check,
  describeKafkaError,
  isExactlyOnceError,
  kafkaCall,
  type AnyExactlyOnceError,
} from './errors.ts';
import type { Chunk, Context, Delivery, Processor, ProcessorState } from './options.ts';

/** The error a chunk failed with, as this package's error. */
const asOwnError = (e: unknown): AnyExactlyOnceError =>
  isExactlyOnceError(e)
    ? e
    : new ExactlyOnceServiceError(`processing a chunk failed: ${describeKafkaError(e)}`, { cause: e });

/** What KafkaJS reported as a crash: this package's error in its chain of causes, or a ServiceError wrapping it. */
function crashError(input: string, error: unknown): AnyExactlyOnceError {
  for (let inner = error, depth = 0; inner instanceof Error && depth < 6; depth++) {
    if (isExactlyOnceError(inner)) return inner;
    inner = inner.cause ?? (inner as { originalError?: unknown }).originalError;
  }
  return new ExactlyOnceServiceError(`the processor of "${input}" crashed: ${describeKafkaError(error)}`, {
    cause: error,
  });
}

async function transformChunk(context: Context, partition: number, messages: KafkaMessage[]): Promise<Message[]> {
  const outputs: Message[] = [];
  for (const message of messages) {
    let produced: unknown;
    try {
      produced = await context.transform({ topic: context.input, partition, message });
    } catch (e) {
      throw new ExactlyOnceTransformError(context.input, partition, message.offset, e);
    }
    if (!Array.isArray(produced)) {
      const problem = new TypeError(`the transform must return an array of messages (got ${typeof produced})`);
      throw new ExactlyOnceTransformError(context.input, partition, message.offset, problem);
    }
    outputs.push(...(produced as Message[]));
  }
  return outputs;
}

/** A processor around `delivery`: the consumer, the chunking loop, the lifecycle. */
export function runProcessor(context: Context, delivery: Delivery): Processor {
  const { kafka, groupId, input, batchSize, hooks } = context;
  let state: ProcessorState = 'idle';
  let consumer: Consumer | undefined;
  const isPaused = (partition: number): boolean =>
    consumer?.paused().some((p) => p.topic === input && p.partitions.includes(partition)) ?? false;

  async function run(c: Consumer): Promise<void> {
    c.on(c.events.GROUP_JOIN, ({ payload }) => void delivery.assigned([...(payload.memberAssignment[input] ?? [])]));
    c.on(c.events.CRASH, ({ payload }) =>
      hooks.onCrash?.({ error: crashError(input, payload.error), restart: payload.restart }),
    );
    await kafkaCall(`subscribing to "${input}"`, () =>
      c.subscribe({ topics: [input], fromBeginning: context.fromBeginning }),
    );
    await kafkaCall(`running the processor of "${input}"`, () =>
      c.run({
        autoCommit: false, // offsets are committed by the delivery, never behind its back
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
          const { partition } = batch;
          // A member that lost the partition while it was away (frozen, partitioned off) finds out
          // here, before it takes a producer that would fence the partition's new owner.
          await heartbeat();
          let messages = batch.messages;
          const committed = await delivery.claim(partition).catch((e: unknown) => {
            hooks.onError?.(asOwnError(e));
            throw e;
          });
          if (committed !== undefined) {
            // The position was read before this member fenced the partition's previous producer; a
            // transaction that producer committed in between moved the group's offset past it.
            messages = messages.filter((m) => BigInt(m.offset) >= BigInt(committed));
            if (messages.length === 0) {
              c.seek({ topic: input, partition, offset: committed });
              return;
            }
          }
          for (let i = 0; i < messages.length; i += batchSize) {
            if (!isRunning() || isStale() || isPaused(partition)) break;
            const slice = messages.slice(i, i + batchSize);
            const last = slice[slice.length - 1]!;
            const endsBatch = i + batchSize >= messages.length;
            // Past the whole fetched batch at its end, so an input written by a transactional producer
            // does not leave its trailing commit marker as eternal lag.
            const resolved = endsBatch ? batch.lastOffset() : last.offset;
            try {
              const outputs = await transformChunk(context, partition, slice);
              const chunk: Chunk = {
                partition,
                firstOffset: slice[0]!.offset,
                nextOffset: String(BigInt(resolved) + 1n),
                inputs: slice.length,
                outputs: outputs.length,
              };
              await delivery.deliver(
                chunk,
                outputs,
                async () => hooks.onProduced?.(chunk),
                () =>
                  commitOffsetsIfNecessary({
                    topics: [{ topic: input, partitions: [{ partition, offset: chunk.nextOffset }] }],
                  }),
              );
              resolveOffset(resolved); // the consumer's position moves only once the chunk is committed
              hooks.onCommit?.(chunk);
            } catch (e) {
              hooks.onError?.(asOwnError(e));
              throw e; // KafkaJS retries from the position, which is the last committed chunk
            }
            await heartbeat();
          }
        },
      }),
    );
  }

  const processor: Processor = {
    groupId,
    get state() {
      return state;
    },
    async start(signal) {
      check.signal('signal', signal);
      check.that(state === 'idle', 'start()', 'must be called once, on a new processor', state);
      state = 'starting';
      signal?.addEventListener('abort', () => void processor.stop(), { once: true });
      try {
        await delivery.open();
        consumer = kafka.consumer({ ...context.consumer, groupId, readUncommitted: false });
        await kafkaCall(`connecting the consumer of group "${groupId}"`, () => consumer!.connect());
        await run(consumer);
        state = 'running';
        if (signal?.aborted) await processor.stop();
      } catch (e) {
        await processor.stop();
        throw e;
      }
    },
    pause() {
      consumer?.pause([{ topic: input }]);
    },
    resume() {
      consumer?.resume([{ topic: input }]);
    },
    async stop() {
      if (state === 'stopping' || state === 'stopped') return;
      state = 'stopping';
      try {
        await consumer?.disconnect(); // waits for the chunk in hand, then leaves the group
      } finally {
        await delivery.close();
        state = 'stopped';
      }
    },
  };
  return processor;
}
