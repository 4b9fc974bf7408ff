// Typed producer and consumer helpers around KafkaJS clients the caller creates, connects and
// disconnects. They add what every service ends up writing: schema checks on both sides, a key on
// every message (the key picks the partition, and a partition is the unit of ordering), and a
// dead-letter topic so that one malformed message cannot stop a consumer.
import net from 'node:net';
import tls from 'node:tls';
import type { Consumer, IHeaders, ISocketFactory, KafkaMessage, Producer, RecordMetadata } from 'kafkajs';
import { MessageValidationError, check, kafkaCall, requireTopicName } from './errors.ts';
import type { DecodeFailure, Topic } from './topics.ts';

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
  /** Validates the whole batch (nothing is sent if one value is bad), then sends it; resolves when acknowledged. */
  send<T>(topic: Topic<T>, messages: ReadonlyArray<OutgoingMessage<T>>): Promise<RecordMetadata[]>;
}

const isProducer = (p: unknown): p is Producer => typeof (p as Producer | undefined)?.send === 'function';
const isConsumer = (c: unknown): c is Consumer => typeof (c as Consumer | undefined)?.run === 'function';
const isTopic = (t: unknown): t is Topic<unknown> => typeof (t as Topic<unknown> | undefined)?.decode === 'function';

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
        producer.send({ topic: topic.name, acks, messages: encoded }),
      );
    },
  };
}

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
  /** Called once per valid message, in partition order. A throw is retried by KafkaJS, not dead-lettered. */
  handle: (message: IncomingMessage<T>) => Promise<void>;
  /** Where malformed messages go (with the reason in headers), and the producer that writes them. */
  deadLetter: { topic: string; producer: Producer };
  /** Check values against the schema (default true). false: JSON.parse only, values are trusted. */
  validate?: boolean;
  /** Where a group with no committed offset starts (default false: only new messages). */
  fromBeginning?: boolean;
  /** Told about every message sent to the dead-letter topic. */
  onDeadLetter?: (letter: DeadLetter) => void;
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
  const { topic, handle, deadLetter, validate = true, fromBeginning = false, onDeadLetter } = options;
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
      deadLetter.producer.send({
        topic: deadLetter.topic,
        acks: -1,
        messages: [{ key: m.key, value: m.value, headers }],
      }),
    );
    onDeadLetter?.({ reason, detail, partition, offset: m.offset });
  };

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
              await handle({
                topic: topic.name,
                partition: batch.partition,
                offset: message.offset,
                key,
                value: decoded.value,
                headers: message.headers ?? {},
              });
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

/**
 * A KafkaJS socketFactory that opens every connection meant for `from` ("host:port", as the broker
 * advertises itself) to `to` instead. Kafka clients connect to the addresses the cluster returns in
 * its metadata, not to the bootstrap address, so pointing `brokers` at a proxy only proxies the first
 * request; redirecting at the socket level sends all of the client's traffic through the proxy.
 */
export function redirectingSocketFactory(
  routes: Record<string, string>,
  onConnection?: (target: string, redirected: boolean) => void,
): ISocketFactory {
  check.kind(
    typeof routes === 'object' && routes !== null,
    'routes',
    'must be an object { "host:port": "host:port" }',
    routes,
  );
  const parsed = new Map<string, { host: string; port: number }>();
  for (const [from, to] of Object.entries(routes)) {
    const m = /^(.+):(\d{1,5})$/.exec(to);
    check.that(m !== null && /^.+:\d{1,5}$/.test(from), `routes["${from}"]`, 'must map "host:port" to "host:port"', to);
    parsed.set(from, { host: m[1]!, port: Number(m[2]) });
  }
  return ({ host, port, ssl, onConnect }) => {
    const target = parsed.get(`${host}:${port}`);
    onConnection?.(`${host}:${port}`, target !== undefined);
    const to = target ?? { host, port };
    const socket = ssl
      ? tls.connect({ ...to, ...(net.isIP(host) ? {} : { servername: host }), ...ssl }, onConnect)
      : net.connect(to, onConnect);
    socket.setKeepAlive(true, 60_000);
    return socket;
  };
}
