// A typed consumer around a KafkaJS consumer the caller creates, connects and disconnects: a schema
// check on every message read, a commit after handling, and a dead-letter topic so that one
// malformed message cannot stop a partition.
import type { Consumer, IHeaders, KafkaMessage, Producer } from 'kafkajs';
import {
  check,
  crashError,
  kafkaCall,
  requireTopicName,
  runHandler,
  type KafkaHandlerError,
  type KafkaServiceError,
} from './errors.ts';
import { isProducer, isTopic, oneAtATime } from './producer.ts';
import type { DecodeFailure, Topic } from './topics.ts';

const isConsumer = (c: unknown): c is Consumer => typeof (c as Consumer | undefined)?.run === 'function';

export interface IncomingMessage<T> {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: T;
  headers: IHeaders;
}

export interface DeadLetter {
  reason: DecodeFailure;
  detail: string;
  partition: number;
  offset: string;
}

/** Header names set on a dead-lettered copy; the value and key are the original bytes. */
export const DEAD_LETTER_HEADERS = {
  reason: 'dead-letter-reason',
  detail: 'dead-letter-detail',
  topic: 'dead-letter-source-topic',
  partition: 'dead-letter-source-partition',
  offset: 'dead-letter-source-offset',
} as const;

export interface TypedConsumerOptions<T> {
  topic: Topic<T>;
  /**
   * Called once per valid message, in partition order. Whatever it throws (a TypeError too) is
   * retried, by KafkaJS's retries and then a restart of the consumer, never dead-lettered: a message
   * is done only when this resolves.
   */
  handle: (message: IncomingMessage<T>) => Promise<void>;
  /** Where malformed messages go (with the reason in headers), and the producer that writes them. */
  deadLetter: { topic: string; producer: Producer };
  /** Check values against the schema (default true). false: JSON.parse only, values are trusted. */
  validate?: boolean;
  /** Where a group with no committed offset starts (default false: only new messages). */
  fromBeginning?: boolean;
  /** Told about every message sent to the dead-letter topic. */
  onDeadLetter?: (letter: DeadLetter) => void;
  /** Told when the consumer crashes: whether KafkaJS restarts it, or it has left the group for good. */
  onCrash?: (crash: ConsumerCrash) => void;
}

export interface ConsumerCrash {
  /** A KafkaHandlerError when the handler kept failing (its `cause` is what it threw), else a KafkaServiceError. */
  error: KafkaHandlerError | KafkaServiceError;
  /** false: the consumer has left the group and will not come back (see KafkaJS's retry.restartOnFailure). */
  restart: boolean;
}

/**
 * Subscribes `consumer` (connected, with its groupId) to the topic and starts processing, one message
 * at a time in partition order. Offsets are committed after the messages are handled, once per fetched
 * batch (at-least-once). A malformed message is copied to the dead-letter topic before its offset moves
 * on, so it is never lost and never blocks the partition.
 */
export async function runTypedConsumer<T>(consumer: Consumer, options: TypedConsumerOptions<T>): Promise<void> {
  check.kind(isConsumer(consumer), 'consumer', 'must be a KafkaJS consumer', consumer);
  check.kind(
    typeof options === 'object' && options !== null,
    'options',
    'must be an object { topic, handle, deadLetter }',
    options,
  );
  const { topic, handle, deadLetter, validate = true, fromBeginning = false, onDeadLetter, onCrash } = options;
  check.kind(isTopic(topic), 'topic', 'must be a Topic made by topic({ name, schema })', topic);
  check.kind(typeof handle === 'function', 'handle', 'must be a function (message) => Promise<void>', handle);
  check.kind(
    isProducer(deadLetter?.producer),
    'deadLetter.producer',
    'must be a KafkaJS producer',
    deadLetter?.producer,
  );
  requireTopicName('deadLetter.topic', deadLetter.topic);
  check.that(
    deadLetter.topic !== topic.name,
    'deadLetter.topic',
    'must differ from the topic it protects',
    deadLetter.topic,
  );
  if (onDeadLetter !== undefined) check.fn('onDeadLetter', onDeadLetter);
  if (onCrash !== undefined) check.fn('onCrash', onCrash);

  const toDeadLetter = async (
    m: KafkaMessage,
    partition: number,
    reason: DecodeFailure,
    detail: string,
  ): Promise<void> => {
    const headers = {
      ...m.headers,
      [DEAD_LETTER_HEADERS.reason]: reason,
      [DEAD_LETTER_HEADERS.detail]: detail,
      [DEAD_LETTER_HEADERS.topic]: topic.name,
      [DEAD_LETTER_HEADERS.partition]: String(partition),
      [DEAD_LETTER_HEADERS.offset]: m.offset,
    };
    // acks -1 and a throw on failure: the offset only moves past this message once the copy is durable.
    await kafkaCall(`dead-lettering ${topic.name}/${partition}@${m.offset} to "${deadLetter.topic}"`, () =>
      oneAtATime(deadLetter.producer, () =>
        deadLetter.producer.send({
          topic: deadLetter.topic,
          acks: -1,
          // A keyless copy goes to partition 0: KafkaJS would pick a partition round-robin and pick
          // again on each retry, so a retried copy lands on another partition, and the sequence
          // numbers it took back on the first one make the broker drop the next copy sent there
          // as a "duplicate" while acknowledging it.
          messages: [{ key: m.key, value: m.value, headers, ...(m.key === null ? { partition: 0 } : {}) }],
        }),
      ),
    );
    onDeadLetter?.({ reason, detail, partition, offset: m.offset });
  };

  if (onCrash) {
    consumer.on(consumer.events.CRASH, ({ payload }) =>
      onCrash({ error: crashError(topic.name, payload.error), restart: payload.restart }),
    );
  }
  await kafkaCall(`subscribing to "${topic.name}"`, () => consumer.subscribe({ topics: [topic.name], fromBeginning }));
  await kafkaCall(`starting the consumer of "${topic.name}"`, () =>
    consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
        let next: string | undefined; // the offset to commit: one past the last message fully handled
        try {
          for (const message of batch.messages) {
            if (!isRunning() || isStale()) break; // stopping or rebalanced: commit what was handled, no more
            const decoded = topic.decode(message.value, validate);
            if (decoded.ok) {
              const key = message.key?.toString('utf8') ?? null;
              const where = { topic: topic.name, partition: batch.partition, offset: message.offset };
              await runHandler(where, () =>
                handle({ ...where, key, value: decoded.value, headers: message.headers ?? {} }),
              );
            } else {
              await toDeadLetter(message, batch.partition, decoded.reason, decoded.detail);
            }
            resolveOffset(message.offset);
            next = String(BigInt(message.offset) + 1n);
            await heartbeat();
          }
        } finally {
          // Inside the batch, so a clean stop (which waits for eachBatch) never leaves handled work
          // uncommitted. A crash re-delivers at most the current batch: at-least-once.
          if (next !== undefined) {
            await commitOffsetsIfNecessary({
              topics: [{ topic: topic.name, partitions: [{ partition: batch.partition, offset: next }] }],
            });
          }
        }
      },
    }),
  );
}
