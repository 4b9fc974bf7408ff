// A producer that keys every event with a KeyStrategy and keeps each key's events in send order. What
// makes the order hold, all fixed here rather than left to the caller's configuration:
//   - KafkaJS's DefaultPartitioner (Java-compatible murmur2), named explicitly: same key, same partition,
//     the same one a Java producer picks;
//   - idempotent: true (acks -1, retries deduplicated by the broker's producer sequence numbers) and
//     maxInFlightRequests: 1, so a retried request cannot land after a later one;
//   - one send() at a time per producer: within a call, events keep their array order per partition; a
//     call starts only when the previous one was acknowledged;
//   - and when one fails, the calls queued behind it are rejected unsent (PartitionKeysNotSentError), so
//     none of them can overtake it: the caller re-sends them all, in order.
import { Partitioners, type Kafka, type Producer, type RecordMetadata } from 'kafkajs';
import { PartitionKeysNotSentError, check, kafkaCall } from './errors.ts';
import type { KeyStrategy } from './keys.ts';

export interface KeyedProducerOptions<E> {
  topic: string;
  key: KeyStrategy<E>;
  /** The value written for an event (default: its JSON). */
  serialize?: (event: E) => string | Buffer;
  /**
   * How long the producer trusts its cached partition count (KafkaJS metadataMaxAge, default 300 000 ms).
   * After partitions are added, a producer keeps writing by the old count until then, or until refresh().
   */
  metadataMaxAgeMs?: number;
}

export interface KeyedProducer<E> {
  readonly topic: string;
  readonly key: KeyStrategy<E>;
  connect(): Promise<void>;
  /**
   * Sends the events with acks from all in-sync replicas; resolves when acknowledged. Safe to call
   * concurrently: calls go out one at a time, in call order, so a key's events keep their order across
   * calls. A failed call (PartitionKeysServiceError: perhaps written, perhaps not) rejects every call
   * queued behind it unsent (PartitionKeysNotSentError); calls made after that go out again.
   */
  send(events: readonly E[], signal?: AbortSignal): Promise<RecordMetadata[]>;
  /** Reconnects, so the next send() maps keys by the topic's current partition count (after growPartitions()). */
  refresh(): Promise<void>;
  disconnect(): Promise<void>;
}

const isKafka = (k: unknown): k is Kafka =>
  typeof (k as Kafka | undefined)?.producer === 'function' && typeof (k as Kafka).admin === 'function';

export function keyedProducer<E>(kafka: Kafka, options: KeyedProducerOptions<E>): KeyedProducer<E> {
  check.kind(isKafka(kafka), 'kafka', 'must be a KafkaJS client (new Kafka(...))', kafka);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object { topic, key }', options);
  const { topic, key, serialize = (e: E) => JSON.stringify(e), metadataMaxAgeMs } = options;
  check.name('options.topic', topic);
  check.kind(typeof key?.keyOf === 'function', 'options.key', 'must be a KeyStrategy (keyBy(...))', key);
  check.fn('options.serialize', serialize);
  if (metadataMaxAgeMs !== undefined) check.positiveInt('options.metadataMaxAgeMs', metadataMaxAgeMs);

  const producer: Producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
    ...(metadataMaxAgeMs === undefined ? {} : { metadataMaxAge: metadataMaxAgeMs }),
  });
  let tail: Promise<unknown> = Promise.resolve(); // the last call in the queue
  let queued = 0; // sends queued so far
  let failure: { through: number; error: unknown } | undefined; // sends up to `through` go unsent
  const inTurn = <T>(run: () => Promise<T>): Promise<T> => {
    const result = tail.then(run);
    tail = result.catch(() => undefined);
    return result;
  };
  const sendInTurn = <T>(run: () => Promise<T>): Promise<T> => {
    const id = ++queued;
    return inTurn(async () => {
      if (failure && id <= failure.through)
        throw new PartitionKeysNotSentError(
          `not sent to "${topic}": an earlier send failed, and this one must not overtake it (re-send both, in order)`,
          { cause: failure.error },
        );
      try {
        return await run();
      } catch (e) {
        failure = { through: queued, error: e }; // everything queued behind this one, now
        throw e;
      }
    });
  };

  return {
    topic,
    key,
    connect: () => kafkaCall(`connecting the producer of "${topic}"`, () => producer.connect()),
    send(events, signal) {
      check.kind(Array.isArray(events) && events.length > 0, 'events', 'must be a non-empty array', events);
      check.signal('signal', signal);
      // Keys and values are computed before queueing: a bad event fails this call, not the ones behind it.
      const messages = events.map((e) => ({ key: key.keyOf(e), value: serialize(e) }));
      return sendInTurn(() => {
        signal?.throwIfAborted();
        return kafkaCall(`sending ${messages.length} message(s) to "${topic}"`, () =>
          producer.send({ topic, acks: -1, messages }),
        );
      });
    },
    refresh: () =>
      // KafkaJS fetches the topic's metadata (its partition count) on connect.
      inTurn(() =>
        kafkaCall(`reconnecting the producer of "${topic}"`, async () => {
          await producer.disconnect();
          await producer.connect();
        }),
      ),
    disconnect: () => inTurn(() => kafkaCall(`disconnecting the producer of "${topic}"`, () => producer.disconnect())),
  };
}
