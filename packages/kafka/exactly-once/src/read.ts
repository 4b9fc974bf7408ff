// Reading a topic as a downstream consumer would, with a stated isolation level: how the tests, the demo
// and the bench count what a processor wrote. read_committed skips the messages of aborted transactions
// (and stops at the first still-open one); read_uncommitted sees everything that reached the log.
import type { Admin, Kafka } from 'kafkajs';
import { systemClock, type Clock } from '@poc/kit';
import { ExactlyOnceServiceError, check, kafkaCall } from './errors.ts';

export type Isolation = 'read_committed' | 'read_uncommitted';

export interface ReadOptions {
  topic: string;
  isolation: Isolation;
  /** A consumer group of its own (KafkaJS consumers need one); nothing is committed under it. */
  groupId: string;
  /** Give up after this long (default 30 000 ms). */
  timeoutMs?: number;
  clock?: Clock;
}

export interface ReadMessage {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
}

/**
 * Reads `topic` from its beginning up to its last stable offset as it is when called (the end of the
 * log when no transaction is open; a read_committed reader cannot pass an open one), with a consumer
 * of the given isolation. Keys and values as UTF-8 strings, in partition order.
 */
export async function readTopic(kafka: Kafka, options: ReadOptions): Promise<ReadMessage[]> {
  check.kind(
    typeof kafka === 'object' && kafka !== null && typeof (kafka as Kafka).consumer === 'function',
    'kafka',
    'must be a KafkaJS client (new Kafka(...))',
    kafka,
  );
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.name('options.topic', options.topic);
  check.oneOf('options.isolation', options.isolation, ['read_committed', 'read_uncommitted']);
  check.name('options.groupId', options.groupId);
  const { topic, isolation, groupId, timeoutMs = 30_000, clock = systemClock } = options;
  check.positiveInt('options.timeoutMs', timeoutMs);

  const admin = kafka.admin();
  const ends = await kafkaCall(`reading the offsets of "${topic}"`, async () => {
    await admin.connect();
    try {
      return await admin.fetchTopicOffsets(topic); // ListOffsets, read_committed: `high` is the last stable offset
    } finally {
      await admin.disconnect();
    }
  });
  const end = new Map(ends.map((e) => [e.partition, BigInt(e.high)]));
  const position = new Map(ends.map((e) => [e.partition, BigInt(e.low)]));
  const done = (): boolean => [...end].every(([p, high]) => position.get(p)! >= high);
  if (done()) return [];

  const consumer = kafka.consumer({ groupId, readUncommitted: isolation === 'read_uncommitted', maxWaitTimeInMs: 100 });
  const messages: ReadMessage[] = [];
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  // Fired for every fetched batch, including those KafkaJS filters to nothing (only aborted messages
  // or commit markers), whose offsets count towards the end too.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const next = BigInt(payload.lastOffset) + 1n;
    if (next > (position.get(payload.partition) ?? 0n)) position.set(payload.partition, next);
    if (done()) finish();
  });
  let cancel = (): void => {};
  try {
    await kafkaCall(`reading "${topic}" (${isolation})`, async () => {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            messages.push({
              partition: batch.partition,
              offset: m.offset,
              key: m.key?.toString('utf8') ?? null,
              value: m.value?.toString('utf8') ?? null,
            });
          }
        },
      });
    });
    await Promise.race([
      finished,
      new Promise<never>((_, reject) => {
        cancel = clock.schedule(() => {
          const at = [...end].map(([p, high]) => `${p}: ${position.get(p)}/${high}`).join(', ');
          reject(
            new ExactlyOnceServiceError(
              `reading "${topic}" (${isolation}) did not reach its end within ${timeoutMs} ms (partition: offset/end ${at})`,
            ),
          );
        }, timeoutMs);
      }),
    ]);
  } finally {
    cancel();
    await consumer.disconnect().catch(() => undefined);
  }
  return messages.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

/** How many times each value occurs, and the copies beyond the first (the duplicates). */
export function countCopies(values: ReadonlyArray<string | null>): {
  distinct: number;
  duplicates: number;
  copies: Map<string, number>;
} {
  const copies = new Map<string, number>();
  for (const v of values) if (v !== null) copies.set(v, (copies.get(v) ?? 0) + 1);
  let duplicates = 0;
  for (const n of copies.values()) duplicates += n - 1;
  return { distinct: copies.size, duplicates, copies };
}

/**
 * True when `groupId` has committed the end of every partition of `topic`: every input processed. For a
 * transactional processor, that also says every output is committed (they commit together).
 */
export async function caughtUp(admin: Admin, groupId: string, topic: string): Promise<boolean> {
  check.kind(typeof admin?.fetchOffsets === 'function', 'admin', 'must be a KafkaJS admin client', admin);
  check.name('groupId', groupId);
  check.name('topic', topic);
  const [ends, [committed]] = await kafkaCall(`reading the offsets of "${topic}" and group "${groupId}"`, () =>
    Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]),
  );
  const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
  return ends.every((e) => (at.get(e.partition) ?? -1n) >= BigInt(e.high));
}
