// A consumer group from the outside (who owns which partition, how far behind it is) and from the
// inside (when a member commits what it has read).
import { AssignerProtocol, type Admin, type Consumer, type EachMessagePayload } from 'kafkajs';
import { check, crashError, kafkaCall, runHandler, type GroupHandlerError, type GroupServiceError } from './errors.ts';

export type CommitMode = 'auto' | 'after-processing';

export interface GroupConsumerOptions {
  topic: string;
  /**
   * 'auto': KafkaJS commits offsets of messages whose handler has *returned*, on its own schedule.
   * If the handler hands work off (a buffer, a fire-and-forget promise) a crash loses what was
   * committed but not done. 'after-processing': offsets are committed here, only after `handle`
   * resolved, every `commitEvery` messages and wherever the batch loop stops (the batch's end, a
   * pause, a rebalance, a stop, a handler error); a crash repeats what was processed since the last
   * commit.
   */
  commit: CommitMode;
  /** 'after-processing' only: commit after this many messages (default 1: after every message). */
  commitEvery?: number;
  /**
   * Called once per message, in partition order. Whatever it throws is retried (KafkaJS's retries,
   * then a restart of the consumer): a message is done only when this resolves.
   */
  handle: (payload: EachMessagePayload) => Promise<void>;
  fromBeginning?: boolean;
  /** Told when the consumer crashes: whether KafkaJS restarts it, or it has left the group for good. */
  onCrash?: (crash: ConsumerCrash) => void;
}

export interface ConsumerCrash {
  /** A GroupHandlerError when the handler kept failing (its `cause` is what it threw), else a GroupServiceError. */
  error: GroupHandlerError | GroupServiceError;
  /** false: the consumer has left the group and will not come back (see KafkaJS's retry.restartOnFailure). */
  restart: boolean;
}

const isPaused = (consumer: Consumer, topic: string, partition: number): boolean =>
  consumer.paused().some((p) => p.topic === topic && p.partitions.includes(partition));
const isConsumer = (c: unknown): c is Consumer => typeof (c as Consumer | undefined)?.run === 'function';
const isAdmin = (a: unknown): a is Admin => typeof (a as Admin | undefined)?.fetchOffsets === 'function';

/** Subscribes a connected consumer and runs it with the chosen commit strategy. */
export async function runGroupConsumer(consumer: Consumer, options: GroupConsumerOptions): Promise<void> {
  check.kind(isConsumer(consumer), 'consumer', 'must be a KafkaJS consumer', consumer);
  check.kind(
    typeof options === 'object' && options !== null,
    'options',
    'must be an object { topic, commit, handle }',
    options,
  );
  const { topic, commit, commitEvery = 1, handle, fromBeginning = false, onCrash } = options;
  check.name('topic', topic);
  check.oneOf('commit', commit, ['auto', 'after-processing']);
  check.positiveInt('commitEvery', commitEvery);
  check.that(
    commit === 'after-processing' || options.commitEvery === undefined,
    'commitEvery',
    'only applies to commit "after-processing"',
    commitEvery,
  );
  check.kind(typeof handle === 'function', 'handle', 'must be a function (payload) => Promise<void>', handle);
  if (onCrash !== undefined) check.fn('onCrash', onCrash);

  if (onCrash) {
    consumer.on(consumer.events.CRASH, ({ payload }) =>
      onCrash({ error: crashError(topic, payload.error), restart: payload.restart }),
    );
  }
  await kafkaCall(`subscribing to "${topic}"`, () => consumer.subscribe({ topics: [topic], fromBeginning }));
  if (commit === 'auto') {
    await kafkaCall(`running the consumer of "${topic}"`, () =>
      consumer.run({
        autoCommit: true,
        eachMessage: (payload) =>
          runHandler({ topic, partition: payload.partition, offset: payload.message.offset }, () => handle(payload)),
      }),
    );
    return;
  }
  await kafkaCall(`running the consumer of "${topic}"`, () =>
    consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale, pause }) => {
        let next: string | undefined; // one past the last processed offset, not yet committed
        const flush = async (): Promise<void> => {
          if (next === undefined) return;
          await commitOffsetsIfNecessary({
            topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }],
          });
          next = undefined;
        };
        let sinceCommit = 0;
        let failed = false;
        try {
          for (const message of batch.messages) {
            if (!isRunning() || isStale()) break;
            await runHandler({ topic: batch.topic, partition: batch.partition, offset: message.offset }, () =>
              handle({ topic: batch.topic, partition: batch.partition, message, heartbeat, pause }),
            );
            resolveOffset(message.offset);
            next = String(BigInt(message.offset) + 1n);
            if (++sinceCommit >= commitEvery) {
              await flush();
              sinceCommit = 0;
            }
            await heartbeat(); // throws when a rebalance has started: this member must rejoin
            // Paused (by the handler's pause() or consumer.pause()): stop after this message, as
            // KafkaJS's eachMessage does. The rest of the batch is fetched again on resume.
            if (isPaused(consumer, batch.topic, batch.partition)) break;
          }
        } catch (e) {
          failed = true;
          throw e;
        } finally {
          // The end of a batch is a commit point, and so is leaving it early: a rebalance (the
          // heartbeat above throws), a stop or a handler error. The coordinator still accepts this
          // member's commit while the group prepares to rebalance, so the next owner of the
          // partition starts after the last handled message instead of repeating up to
          // `commitEvery` of them. A failed commit does not hide the error that ended the batch.
          await flush().catch((commitError: unknown) => {
            if (!failed) throw commitError;
          });
        }
      },
    }),
  );
}

export interface PartitionLag {
  partition: number;
  /** The log end offset (the next offset to be written). */
  end: number;
  /** The group's committed offset, or the log start if the group has not committed on it yet. */
  committed: number;
  lag: number;
}

export interface GroupLag {
  total: number;
  partitions: PartitionLag[];
}

/** Consumer lag = log end offset − committed offset, per partition (admin.fetchTopicOffsets − fetchOffsets). */
export async function consumerLag(admin: Admin, groupId: string, topic: string): Promise<GroupLag> {
  check.kind(isAdmin(admin), 'admin', 'must be a KafkaJS admin client', admin);
  check.name('groupId', groupId);
  check.name('topic', topic);
  const [ends, committed] = await Promise.all([
    kafkaCall(`fetching the offsets of "${topic}"`, () => admin.fetchTopicOffsets(topic)),
    kafkaCall(`fetching the committed offsets of group "${groupId}"`, () =>
      admin.fetchOffsets({ groupId, topics: [topic] }),
    ),
  ]);
  const mine = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  const partitions = ends
    .map((e) => {
      const end = Number(e.high);
      const c = mine.get(e.partition) ?? -1;
      const from = c >= 0 ? c : Number(e.low); // -1: nothing committed yet, everything retained is lag
      return { partition: e.partition, end, committed: from, lag: Math.max(0, end - from) };
    })
    .sort((a, b) => a.partition - b.partition);
  return { total: partitions.reduce((s, p) => s + p.lag, 0), partitions };
}

export interface GroupAssignment {
  state: string;
  /** clientId/memberId → partitions of `topic` it owns, sorted. */
  members: Array<{ memberId: string; clientId: string; partitions: number[] }>;
}

/** Who owns which partition right now, as the group coordinator sees it (admin.describeGroups). */
export async function describeAssignment(admin: Admin, groupId: string, topic: string): Promise<GroupAssignment> {
  check.kind(isAdmin(admin), 'admin', 'must be a KafkaJS admin client', admin);
  check.name('groupId', groupId);
  check.name('topic', topic);
  const { groups } = await kafkaCall(`describing group "${groupId}"`, () => admin.describeGroups([groupId]));
  const group = groups[0]!;
  const members = group.members.map((m) => {
    const decoded = m.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(m.memberAssignment) : null;
    const partitions = [...(decoded?.assignment[topic] ?? [])].sort((a, b) => a - b);
    return { memberId: m.memberId, clientId: m.clientId, partitions };
  });
  return { state: group.state, members };
}

/** True when every partition 0..count-1 is owned by exactly one member. */
export function coversExactlyOnce(assignment: GroupAssignment, partitionCount: number): boolean {
  const owned = assignment.members.flatMap((m) => m.partitions).sort((a, b) => a - b);
  return owned.length === partitionCount && owned.every((p, i) => p === i);
}

/** Keeps a member's own view of its partitions up to date from KafkaJS's GROUP_JOIN events. */
export interface AssignmentTracker {
  /** This member's partitions of the topic after its latest join. */
  partitions(): number[];
  /** Its member id in the group ('' before the first join). */
  memberId(): string;
  /** How many times it has (re)joined: 1 + the rebalances it took part in. */
  joins(): number;
  stop(): void;
}

export function trackAssignment(consumer: Consumer, topic: string): AssignmentTracker {
  check.kind(isConsumer(consumer), 'consumer', 'must be a KafkaJS consumer', consumer);
  check.name('topic', topic);
  let current: number[] = [];
  let member = '';
  let joins = 0;
  const stop = consumer.on(consumer.events.GROUP_JOIN, (e) => {
    joins++;
    member = e.payload.memberId;
    current = [...(e.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
  });
  return { partitions: () => current, memberId: () => member, joins: () => joins, stop };
}
