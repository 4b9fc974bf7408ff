// The changelog side of the pattern: how its topics are created, checked, and read back.
// A changelog is a compacted topic keyed by state id: its latest record per key is the state, a null
// value (a tombstone) deletes a key, and compaction keeps the topic's size near the state's size
// instead of the number of updates ever made.
import { randomUUID } from 'node:crypto';
import type { ConfigResourceTypes, ITopicConfig, Kafka } from 'kafkajs';
import { StreamProcessingTopologyError, check, kafkaCall, retryRetriable } from './errors.ts';

/** The topics of one processor. */
export interface ProcessorTopics {
  /** Keyed events to count. */
  input: string;
  /** Count updates, keyed by state id. */
  output: string;
  /** The state's changelog: compacted, partitioned like the input. */
  changelog: string;
  /** Events that were too late (or had no key or event time), with the reason. */
  lateEvents: string;
}

/** The topics to create for a processor: the changelog compacted and partitioned like the input. */
export function processorTopics(topics: ProcessorTopics, partitions: number): ITopicConfig[] {
  check.positiveInt('partitions', partitions);
  return [
    { topic: topics.input, numPartitions: partitions },
    { topic: topics.output, numPartitions: partitions },
    {
      topic: topics.changelog,
      numPartitions: partitions,
      configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
    },
    { topic: topics.lateEvents, numPartitions: 1 },
  ];
}

const TOPIC_ROLES = ['input', 'output', 'changelog', 'lateEvents'] as const;
const TOPIC_RESOURCE = 2 as ConfigResourceTypes; // ConfigResourceTypes.TOPIC (the CommonJS enum is not visible to an ES import)

/**
 * Checks, before anything is consumed, what the guarantee rests on: every topic exists, the changelog
 * is compacted (else it keeps every update and restores get slower forever, or, with retention, it
 * loses state) and has as many partitions as the input (state from input partition p lives in p).
 */
export async function checkTopology(kafka: Kafka, topics: ProcessorTopics, needsChangelog: boolean): Promise<void> {
  const admin = kafka.admin();
  await kafkaCall('connecting the admin client', () => admin.connect());
  try {
    const roles = TOPIC_ROLES.filter((role) => needsChangelog || role !== 'changelog');
    const existing = new Set(await kafkaCall('listing topics', () => admin.listTopics()));
    for (const role of roles)
      if (!existing.has(topics[role]))
        throw new StreamProcessingTopologyError(`topic "${topics[role]}" (options.${role}) does not exist`);
    if (!needsChangelog) return;
    const meta = await kafkaCall('reading topic metadata', () =>
      retryRetriable(() => admin.fetchTopicMetadata({ topics: [topics.input, topics.changelog] })),
    );
    const partitionsOf = (t: string): number => meta.topics.find((m) => m.name === t)?.partitions.length ?? 0;
    const [inputs, changelogs] = [partitionsOf(topics.input), partitionsOf(topics.changelog)];
    if (inputs !== changelogs)
      throw new StreamProcessingTopologyError(
        `changelog "${topics.changelog}" must have as many partitions as input "${topics.input}" (${inputs}, got ${changelogs})`,
      );
    const { resources } = await kafkaCall(`describing topic "${topics.changelog}"`, () =>
      retryRetriable(() =>
        admin.describeConfigs({
          includeSynonyms: false,
          resources: [{ type: TOPIC_RESOURCE, name: topics.changelog, configNames: ['cleanup.policy'] }],
        }),
      ),
    );
    const policy = resources[0]?.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue ?? '';
    if (!policy.split(',').includes('compact'))
      throw new StreamProcessingTopologyError(
        `changelog "${topics.changelog}" must have cleanup.policy=compact (got "${policy}")`,
      );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** One record of a topic, as scanTopic() hands it over. */
export interface TopicRecord {
  partition: number;
  offset: string;
  key: Buffer | null;
  /** null: a tombstone. */
  value: Buffer | null;
  timestamp: string;
}

export interface ScanOptions {
  /** The scan's consumer joins the throwaway group `<groupPrefix>.<uuid>` and commits nothing. */
  groupPrefix: string;
  signal?: AbortSignal;
}

/**
 * Reads `topic` from its start to its end as a read_committed consumer, handing each record to
 * `onRecord` in partition order; resolves with the number of records read. The end is the last stable
 * offset when the scan starts: records of transactions still open, or aborted, are never seen.
 */
export async function scanTopic(
  kafka: Kafka,
  topic: string,
  onRecord: (record: TopicRecord) => void,
  options: ScanOptions,
): Promise<number> {
  check.name('topic', topic);
  check.fn('onRecord', onRecord);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.name('options.groupPrefix', options.groupPrefix);
  check.signal('options.signal', options.signal);
  const admin = kafka.admin();
  // Kafka's ListOffsets with read_committed (KafkaJS's default for admin) answers the last stable offset.
  const ends = await kafkaCall(`reading the end offsets of "${topic}"`, async () => {
    await admin.connect();
    return retryRetriable(() => admin.fetchTopicOffsets(topic));
  }).finally(() => admin.disconnect().catch(() => undefined));
  const endOf = new Map(ends.map((e) => [e.partition, BigInt(e.high)]));
  // Partitions still to read, with the last offset to reach (the end is exclusive).
  const pending = new Map(
    ends.filter((e) => BigInt(e.high) > BigInt(e.low)).map((e) => [e.partition, BigInt(e.high) - 1n]),
  );
  let records = 0;
  if (pending.size === 0) return records;

  const consumer = kafka.consumer({
    groupId: `${options.groupPrefix}.${randomUUID()}`,
    readUncommitted: false,
    maxWaitTimeInMs: 100,
    maxBytesPerPartition: 4 * 1024 * 1024,
  });
  let finish!: () => void;
  let fail!: (e: unknown) => void;
  const done = new Promise<void>((resolve, reject) => ((finish = resolve), (fail = reject)));
  // END_BATCH_PROCESS also comes for batches that held only transaction markers or aborted records,
  // which eachBatch never sees: the last offset of a transactional topic is always such a marker.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const last = pending.get(payload.partition);
    if (payload.topic !== topic || last === undefined || BigInt(payload.lastOffset) < last) return;
    pending.delete(payload.partition);
    if (pending.size === 0) finish();
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) fail(payload.error);
  });
  const onAbort = (): void => fail(options.signal!.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (options.signal?.aborted) throw options.signal.reason;
    await kafkaCall(`reading "${topic}"`, async () => {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const end = endOf.get(batch.partition)!;
          for (const m of batch.messages) {
            if (BigInt(m.offset) >= end) break; // written after the scan started
            records++;
            onRecord({
              partition: batch.partition,
              offset: m.offset,
              key: m.key,
              value: m.value,
              timestamp: m.timestamp,
            });
          }
        },
      });
      await done;
    });
    return records;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await consumer.disconnect().catch(() => undefined);
  }
}

/** The latest record of one key. */
export interface LatestRecord {
  partition: number;
  offset: string;
  /** null: a tombstone (the key was deleted). */
  value: Buffer | null;
}

export interface TopicSnapshot {
  /** Records read, tombstones included: the changelog's size before compaction catches up. */
  records: number;
  /** The latest record per key, as compaction would keep it. */
  latest: Map<string, LatestRecord>;
}

/** scanTopic() keeping the latest record per key: what a compacted topic converges to. */
export async function readLatestByKey(kafka: Kafka, topic: string, options: ScanOptions): Promise<TopicSnapshot> {
  const latest = new Map<string, LatestRecord>();
  const records = await scanTopic(
    kafka,
    topic,
    (r) => latest.set(String(r.key), { partition: r.partition, offset: r.offset, value: r.value }),
    options,
  );
  return { records, latest };
}

/**
 * Messages per produce request. One fetched batch can hold thousands of events, each updating up to
 * several windows: sent as one request, its record batch outgrows the broker's message.max.bytes
 * (1 MiB by default) and the broker refuses it. Several requests inside one transaction still commit
 * or abort together.
 */
export const MESSAGES_PER_REQUEST = 1_000;

/** `topicMessages` cut into produce requests of at most `max` messages each, in order. */
export function inRequests<M>(
  topicMessages: ReadonlyArray<{ topic: string; messages: M[] }>,
  max = MESSAGES_PER_REQUEST,
): Array<Array<{ topic: string; messages: M[] }>> {
  const requests: Array<Array<{ topic: string; messages: M[] }>> = [];
  let current: Array<{ topic: string; messages: M[] }> = [];
  let size = 0;
  for (const { topic, messages } of topicMessages) {
    for (let i = 0; i < messages.length;) {
      if (size === max) {
        requests.push(current);
        current = [];
        size = 0;
      }
      const take = messages.slice(i, i + (max - size));
      current.push({ topic, messages: take });
      size += take.length;
      i += take.length;
    }
  }
  if (size > 0) requests.push(current);
  return requests;
}
