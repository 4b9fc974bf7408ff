// Partitions from the outside: how the messages of a topic are spread over its partitions and how far
// each group is behind on each (admin.fetchTopicOffsets and admin.fetchOffsets), how many keys a change
// of partition count re-maps, and a way to add partitions that does not reorder a key's messages.
import { systemClock, type Clock } from '@poc/kit';
import type { Admin } from 'kafkajs';
import { PartitionsNotDrainedError, check, kafkaCall } from './errors.ts';
import { partitionFor } from './keys.ts';

export interface PartitionState {
  partition: number;
  /** Offsets of the first retained message and of the next one to be written. */
  start: number;
  end: number;
  /** end − start: what this partition holds (its share of the work). */
  messages: number;
  /** The group's committed offset (where it resumes), or `start` when it has committed none. */
  committed: number;
  /** end − committed: what the group has still to read here. */
  lag: number;
}

export interface TopicLoad {
  topic: string;
  /** The group whose lag is shown; without one, lag is what a group reading from the start would have. */
  groupId: string | null;
  partitions: PartitionState[];
  messages: number;
  lag: number;
  /** The partition holding the most messages, and its share of all of them (0..1). */
  busiest: { partition: number; share: number };
}

const isAdmin = (a: unknown): a is Admin =>
  typeof (a as Admin | undefined)?.fetchTopicOffsets === 'function' &&
  typeof (a as Admin).createPartitions === 'function';

/** Messages and lag per partition of `topic`, for `groupId` if given: the skew a key choice produced. */
export async function topicLoad(admin: Admin, topic: string, options: { groupId?: string } = {}): Promise<TopicLoad> {
  check.kind(isAdmin(admin), 'admin', 'must be a KafkaJS admin client', admin);
  check.name('topic', topic);
  check.options('options', options);
  const { groupId } = options;
  if (groupId !== undefined) check.name('options.groupId', groupId);
  const [ends, committed] = await Promise.all([
    kafkaCall(`fetching the offsets of "${topic}"`, () => admin.fetchTopicOffsets(topic)),
    groupId === undefined
      ? Promise.resolve([])
      : kafkaCall(`fetching the committed offsets of group "${groupId}"`, () =>
          admin.fetchOffsets({ groupId, topics: [topic] }),
        ),
  ]);
  const mine = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  const partitions = ends
    .map((e) => {
      const start = Number(e.low);
      const end = Number(e.high);
      const c = mine.get(e.partition) ?? -1; // -1: nothing committed, everything retained is still to read
      const from = c >= 0 ? c : start;
      return {
        partition: e.partition,
        start,
        end,
        messages: end - start,
        committed: from,
        lag: Math.max(0, end - from),
      };
    })
    .sort((a, b) => a.partition - b.partition);
  const messages = partitions.reduce((s, p) => s + p.messages, 0);
  const top = partitions.reduce((a, b) => (b.messages > a.messages ? b : a), partitions[0]!);
  return {
    topic,
    groupId: groupId ?? null,
    partitions,
    messages,
    lag: partitions.reduce((s, p) => s + p.lag, 0),
    busiest: { partition: top.partition, share: messages === 0 ? 0 : top.messages / messages },
  };
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * The share of keys a change from `from` to `to` partitions sends elsewhere under hash-modulo placement
 * (Kafka's): a key stays only if hash % from == hash % to, which holds for min(from, to) residues out of
 * every lcm(from, to). 6 → 8: 1 − 6/24 = 75 %; 6 → 12: 50 %.
 */
export function expectedMovedFraction(from: number, to: number): number {
  check.positiveInt('from', from);
  check.positiveInt('to', to);
  const lcm = (from / gcd(from, to)) * to;
  return 1 - Math.min(from, to) / lcm;
}

/**
 * The least share of keys any placement must move to stay balanced, what consistent hashing (a hash
 * ring, jump hash) achieves: only the new partitions' share, |to − from| / max(from, to). Theory only:
 * Kafka's producers place keys by modulo, so this is the yardstick, not something Kafka does.
 */
export function minimumMovedFraction(from: number, to: number): number {
  check.positiveInt('from', from);
  check.positiveInt('to', to);
  return Math.abs(to - from) / Math.max(from, to);
}

export interface KeyMoves {
  keys: number;
  /** The keys whose partition differs between `from` and `to` partitions. */
  moved: string[];
  fraction: number;
}

/** Which of `keys` a change from `from` to `to` partitions re-maps (the producer's own function). */
export function movedKeys(keys: Iterable<string>, from: number, to: number): KeyMoves {
  check.kind(
    typeof (keys as Iterable<string> | null)?.[Symbol.iterator] === 'function',
    'keys',
    'must be an iterable of strings',
    keys,
  );
  check.positiveInt('from', from);
  check.positiveInt('to', to);
  const all = [...new Set(keys)];
  const moved = all.filter((k) => partitionFor(k, from) !== partitionFor(k, to));
  return { keys: all.length, moved, fraction: all.length === 0 ? 0 : moved.length / all.length };
}

export interface GrowOptions {
  topic: string;
  /** The new partition count (Kafka can only add partitions). */
  count: number;
  /** Every consumer group that reads the topic and relies on per-key order: each must have read everything. */
  groupIds: readonly string[];
  /** How long to wait for the groups to drain and for writes to stop (default 30 000 ms). */
  timeoutMs?: number;
  /** Between two looks at the offsets (default 200 ms). "No writes" = two looks saw the same end offsets. */
  pollMs?: number;
  clock?: Clock;
  signal?: AbortSignal;
}

export interface GrowResult {
  topic: string;
  from: number;
  to: number;
  /** Time spent waiting for the groups to drain, by the clock. */
  waitedMs: number;
  /** expectedMovedFraction(from, to): the share of keys that now go to another partition. */
  expectedMoved: number;
}

/** Checks the options of growPartitions() (and of the naive version); returns them with defaults. */
export function growOptions(admin: Admin, options: GrowOptions): Required<Omit<GrowOptions, 'signal'>> & GrowOptions {
  check.kind(isAdmin(admin), 'admin', 'must be a KafkaJS admin client', admin);
  check.kind(
    typeof options === 'object' && options !== null,
    'options',
    'must be an object { topic, count, groupIds }',
    options,
  );
  const { topic, count, groupIds, timeoutMs = 30_000, pollMs = 200, clock = systemClock, signal } = options;
  check.name('options.topic', topic);
  check.positiveInt('options.count', count);
  check.kind(
    Array.isArray(groupIds) && groupIds.length > 0 && groupIds.every((g) => typeof g === 'string' && g.length > 0),
    'options.groupIds',
    'must be a non-empty array of group ids',
    groupIds,
  );
  check.positiveInt('options.timeoutMs', timeoutMs);
  check.positiveInt('options.pollMs', pollMs);
  check.kind(
    typeof clock?.now === 'function' && typeof clock.sleep === 'function',
    'options.clock',
    'must be a Clock',
    clock,
  );
  check.signal('options.signal', signal);
  return { topic, count, groupIds, timeoutMs, pollMs, clock, signal };
}

/** The topic's partition count now. */
export async function partitionCount(admin: Admin, topic: string): Promise<number> {
  const meta = await kafkaCall(`reading the metadata of "${topic}"`, () =>
    admin.fetchTopicMetadata({ topics: [topic] }),
  );
  return meta.topics[0]?.partitions.length ?? 0;
}

/** Adds partitions up to `count` and waits until every one has a leader (a producer can write to it). */
export async function addPartitions(
  admin: Admin,
  topic: string,
  from: number,
  count: number,
  clock: Clock,
  signal?: AbortSignal,
): Promise<void> {
  check.that(
    count > from,
    'options.count',
    `must be more than the topic's ${from} partitions (Kafka cannot remove any)`,
    count,
  );
  await kafkaCall(`adding partitions to "${topic}" (${from} -> ${count})`, () =>
    admin.createPartitions({ topicPartitions: [{ topic, count }] }),
  );
  for (;;) {
    const meta = await kafkaCall(`reading the metadata of "${topic}"`, () =>
      admin.fetchTopicMetadata({ topics: [topic] }),
    );
    const parts = meta.topics[0]?.partitions ?? [];
    if (parts.length === count && parts.every((p) => p.leader >= 0)) return;
    await clock.sleep(50, signal);
  }
}

/**
 * Adds partitions without reordering any key: it waits until every named group has read everything
 * (lag 0 on every partition) and nothing is being written (the same end offsets twice, `pollMs` apart),
 * then adds the partitions. Pause your producers before calling it, and refresh() them after: a producer
 * maps keys by the partition count it last fetched. Throws PartitionsNotDrainedError after `timeoutMs`.
 */
export async function growPartitions(admin: Admin, options: GrowOptions): Promise<GrowResult> {
  const { topic, count, groupIds, timeoutMs, pollMs, clock, signal } = growOptions(admin, options);
  const from = await partitionCount(admin, topic);
  check.that(
    count > from,
    'options.count',
    `must be more than the topic's ${from} partitions (Kafka cannot remove any)`,
    count,
  );
  const started = clock.now();
  let lastEnds: string | undefined;
  for (;;) {
    signal?.throwIfAborted();
    const loads = await Promise.all(groupIds.map((groupId) => topicLoad(admin, topic, { groupId })));
    const ends = loads[0]!.partitions.map((p) => p.end).join(',');
    const lag = loads.flatMap((l) =>
      l.partitions.filter((p) => p.lag > 0).map((p) => ({ groupId: l.groupId!, partition: p.partition, lag: p.lag })),
    );
    const quiet = ends === lastEnds;
    if (lag.length === 0 && quiet) break;
    if (clock.now() - started >= timeoutMs) {
      const behind = [...new Set(lag.map((l) => l.groupId))].map((g) => {
        const mine = lag.filter((l) => l.groupId === g);
        const total = mine.reduce((s, l) => s + l.lag, 0);
        return `group "${g}" has ${total} unread message(s) (partition ${mine.map((l) => `${l.partition}: ${l.lag}`).join(', ')})`;
      });
      const writing = lastEnds !== undefined && !quiet; // two looks that saw different end offsets
      const why = [...behind, ...(writing ? ['producers are still writing'] : [])].join('; ');
      throw new PartitionsNotDrainedError(
        `not adding partitions to "${topic}" (${from} -> ${count}) after ${timeoutMs} ms: ${why || 'not seen quiet yet'}`,
        topic,
        lag,
        writing,
      );
    }
    lastEnds = ends;
    await clock.sleep(pollMs, signal);
  }
  const waitedMs = clock.now() - started;
  await addPartitions(admin, topic, from, count, clock, signal);
  return { topic, from, to: count, waitedMs, expectedMoved: expectedMovedFraction(from, count) };
}
