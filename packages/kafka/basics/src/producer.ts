// A typed producer around a KafkaJS producer the caller creates, connects and disconnects: a schema
// check before anything is sent, and a key on every message (the key picks the partition, and a
// partition is the unit of ordering).
import type { Producer, RecordMetadata } from 'kafkajs';
import { MessageValidationError, check, kafkaCall } from './errors.ts';
import type { Topic } from './topics.ts';

export type Acks = -1 | 0 | 1;

export interface OutgoingMessage<T> {
  /** Messages with the same key go to the same partition, and so are read in the order they were sent. */
  key: string;
  value: T;
  headers?: Record<string, string>;
}

export interface TypedProducerOptions {
  /** -1 (all in-sync replicas, default), 1 (the leader only) or 0 (no acknowledgement). */
  acks?: Acks;
  /** Check each value against the topic's schema before sending (default true). */
  validate?: boolean;
}

export interface TypedProducer {
  /**
   * Validates the whole batch (nothing is sent if one value is bad), then sends it; resolves when
   * acknowledged. Safe to call concurrently: on an idempotent producer, sends go out one at a time.
   */
  send<T>(topic: Topic<T>, messages: ReadonlyArray<OutgoingMessage<T>>): Promise<RecordMetadata[]>;
}

/** The tail of each idempotent producer's queue of sends (shared by every wrapper of that producer). */
const sendQueues = new WeakMap<Producer, Promise<unknown>>();

/**
 * Runs `send` once every earlier send through this module on the same idempotent producer has
 * settled. KafkaJS numbers an idempotent producer's batches per partition as it sends them, and
 * when a request fails (a lost reply, a reset connection) it takes the numbers back and retries
 * later; a concurrent send() that goes out in between is given those same numbers. The broker then
 * rejects it ("out of order sequence number") or, when its batch has as many records as the one it
 * already wrote under those numbers, acknowledges it as a duplicate without writing it. One send at
 * a time leaves each retry its own numbers, and the broker's dedupe does the rest.
 */
export function oneAtATime<T>(producer: Producer, send: () => Promise<T>): Promise<T> {
  if (typeof producer.isIdempotent === 'function' && !producer.isIdempotent()) return send();
  const result = (sendQueues.get(producer) ?? Promise.resolve()).then(send);
  sendQueues.set(
    producer,
    result.catch(() => undefined),
  );
  return result;
}

export const isProducer = (p: unknown): p is Producer => typeof (p as Producer | undefined)?.send === 'function';
export const isTopic = (t: unknown): t is Topic<unknown> =>
  typeof (t as Topic<unknown> | undefined)?.decode === 'function';

export function typedProducer(producer: Producer, options: TypedProducerOptions = {}): TypedProducer {
  check.kind(isProducer(producer), 'producer', 'must be a KafkaJS producer', producer);
  check.options('options', options);
  const { acks = -1, validate = true } = options;
  check.that(acks === -1 || acks === 0 || acks === 1, 'acks', 'must be -1 (all), 0 or 1', acks);
  check.that(typeof validate === 'boolean', 'validate', 'must be a boolean', validate);
  return {
    async send(topic, messages) {
      check.kind(isTopic(topic), 'topic', 'must be a Topic made by topic({ name, schema })', topic);
      check.kind(
        Array.isArray(messages) && messages.length > 0,
        'messages',
        'must be a non-empty array of { key, value }',
        messages,
      );
      const encoded = messages.map((m, i) => {
        check.name(`messages[${i}].key`, m?.key);
        let value = m.value;
        if (validate) {
          const r = topic.check(m.value);
          if (!r.ok)
            throw new MessageValidationError(
              `messages[${i}] for topic "${topic.name}" does not match its schema: ${r.detail}`,
              topic.name,
              i,
            );
          value = r.value;
        }
        return { key: m.key, value: topic.serialize(value), headers: m.headers };
      });
      return kafkaCall(`sending ${messages.length} message(s) to "${topic.name}"`, () =>
        oneAtATime(producer, () => producer.send({ topic: topic.name, acks, messages: encoded })),
      );
    },
  };
}
