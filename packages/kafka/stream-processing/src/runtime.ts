// The consume-transform-produce loop both versions share: options checked once, a consumer in the
// processor's group, one counting step per fetched batch, and a Committer that decides how the step
// becomes durable. The pattern (src/processor.ts) commits it in a Kafka transaction with a changelog;
// the naive version (src/naive.ts) keeps its counts in memory only.
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { isPocError, systemClock, type Clock } from '@poc/kit';
import {
  StreamProcessingArgumentError,
  StreamProcessingServiceError,
  check,
  describeKafkaError,
  kafkaCall,
} from './errors.ts';
import type { ProcessorTopics } from './changelog.ts';
import {
  applyStep,
  countEvents,
  type CountState,
  type CountStep,
  type WindowCount,
  type WindowSpec,
} from './windows.ts';

/** Group timings passed to KafkaJS's consumer (its defaults when absent). */
export interface ProcessorConsumerConfig {
  sessionTimeout?: number;
  heartbeatInterval?: number;
  rebalanceTimeout?: number;
  maxWaitTimeInMs?: number;
  maxBytesPerPartition?: number;
}

/** One batch on its way to being committed. */
export interface CommitInfo {
  partition: number;
  firstOffset: string;
  lastOffset: string;
  events: number;
  /** Records the commit writes: changelog updates and tombstones (0 without a changelog), output, late events. */
  changelogRecords: number;
  outputRecords: number;
  lateRecords: number;
}

export interface ProcessorHooks {
  /**
   * Called when everything of a batch has been sent and only the commit is left (inside the open
   * transaction, for the pattern). For metrics and for crash tests; the commit waits for it.
   */
  beforeCommit?: (info: CommitInfo) => void | Promise<void>;
  /** Called once a batch is committed and applied to the state. */
  afterCommit?: (info: CommitInfo) => void;
}

export interface WindowedCountOptions extends ProcessorTopics {
  /** The processor's name: its consumer group id and transactional id. One running instance per name. */
  name: string;
  windows: readonly WindowSpec[];
  /** How long after a window's end it still accepts late events (ms, by `clock`). */
  graceMs: number;
  /** The processor's notion of now, for grace (default systemClock); tests drive it with a ManualClock. */
  clock?: Clock;
  /** Event time of a message (default: its timestamp). A non-finite result sends it to lateEvents as 'bad-time'. */
  eventTime?: (message: KafkaMessage) => number;
  consumer?: ProcessorConsumerConfig;
  hooks?: ProcessorHooks;
}

export type ProcessorState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface RestoreSummary {
  /** Changelog records read (tombstones included). */
  records: number;
  /** Counts in the restored state. */
  entries: number;
  ms: number;
}

export interface ProcessorStatus {
  state: ProcessorState;
  restored: RestoreSummary | undefined;
  /** Input events committed (counted, or sent to lateEvents). */
  events: number;
  /** Events sent to lateEvents, by reason. */
  late: number;
  commits: number;
  failure: Error | undefined;
}

export interface WindowedCounter {
  readonly name: string;
  /** Restores the state, joins the group and starts consuming; resolves once it consumes. Once only. */
  start(signal?: AbortSignal): Promise<RestoreSummary>;
  /** Stops consuming and disconnects; what was committed stays committed. */
  stop(): Promise<void>;
  status(): ProcessorStatus;
  /** The counts in the state now (committed ones only), sorted by window, key and start. */
  counts(): WindowCount[];
  /** Settles when the processor stops: resolves after stop(), rejects with the error that made it fail. */
  readonly stopped: Promise<void>;
}

/** What the loop hands a Committer for one batch. */
export interface BatchCommit {
  topic: string;
  partition: number;
  /** The input offset to commit: one past the batch's last. */
  nextOffset: string;
  step: CountStep;
  info: CommitInfo;
  /** Commits nextOffset through the consumer group (outside any transaction). */
  commitOffsets(): Promise<void>;
}

/** How counts survive (or not) a crash. */
export interface Committer {
  /** Before consuming: the state that survived, and what restoring it cost. */
  open(signal?: AbortSignal): Promise<{ state: CountState; restored: RestoreSummary }>;
  /** Makes one batch's step durable together with its input offsets; throws if it could not. */
  commit(batch: BatchCommit): Promise<void>;
  close(): Promise<void>;
}

/** The options, checked once. */
export interface Context extends Required<Omit<WindowedCountOptions, 'consumer' | 'hooks' | 'clock'>> {
  readonly kafka: Kafka;
  readonly clock: Clock;
  readonly consumer: ProcessorConsumerConfig;
  readonly hooks: ProcessorHooks;
}

const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');

const messageTimestamp = (m: KafkaMessage): number => Number(m.timestamp);

/** Checks the client and the options; both versions take the same. */
export function createContext(kafka: Kafka, options: WindowedCountOptions): Context {
  check.kind(
    hasMethods(kafka, 'producer', 'consumer', 'admin'),
    'kafka',
    'must be a KafkaJS client (new Kafka(...))',
    kafka,
  );
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const { name, input, output, changelog, lateEvents, windows, graceMs } = options;
  check.name('options.name', name);
  for (const role of ['input', 'output', 'changelog', 'lateEvents'] as const)
    check.name(`options.${role}`, options[role]);
  const names = [input, output, changelog, lateEvents];
  check.that(new Set(names).size === names.length, 'options', 'must name four different topics', names.join(', '));
  check.kind(
    Array.isArray(windows) && windows.length > 0 && windows.every((w) => hasMethods(w, 'windowsOf')),
    'options.windows',
    'must be a non-empty array of tumblingWindow() / hoppingWindow()',
    windows,
  );
  const windowNames = windows.map((w) => w.name);
  check.that(
    new Set(windowNames).size === windowNames.length,
    'options.windows',
    'must have distinct names',
    windowNames.join(', '),
  );
  check.nonNegativeInt('options.graceMs', graceMs);
  const clock = options.clock ?? systemClock;
  check.kind(hasMethods(clock, 'now', 'sleep', 'schedule'), 'options.clock', 'must be a Clock', clock);
  const eventTime = options.eventTime ?? messageTimestamp;
  check.fn('options.eventTime', eventTime);
  const consumer = options.consumer ?? {};
  check.options('options.consumer', consumer);
  for (const [k, v] of Object.entries(consumer)) check.positiveInt(`options.consumer.${k}`, v);
  const hooks = options.hooks ?? {};
  check.options('options.hooks', hooks);
  if (hooks.beforeCommit !== undefined) check.fn('options.hooks.beforeCommit', hooks.beforeCommit);
  if (hooks.afterCommit !== undefined) check.fn('options.hooks.afterCommit', hooks.afterCommit);
  return { kafka, name, input, output, changelog, lateEvents, windows, graceMs, clock, eventTime, consumer, hooks };
}

const byCount = (a: WindowCount, b: WindowCount): number =>
  a.window.localeCompare(b.window) || a.key.localeCompare(b.key) || a.start - b.start;

/** The loop: consume a batch, count it, let the Committer make it durable, then apply it. */
export function runProcessor(context: Context, committer: Committer): WindowedCounter {
  const { kafka, name, clock, hooks } = context;
  let state: ProcessorState = 'idle';
  const current = (): ProcessorState => state; // read through a call, so TypeScript does not narrow it across awaits
  let counts: CountState = new Map();
  let consumer: Consumer | undefined;
  let restored: RestoreSummary | undefined;
  let failure: Error | undefined;
  let events = 0;
  let late = 0;
  let commits = 0;
  let settle!: { resolve: () => void; reject: (e: Error) => void };
  const stopped = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  stopped.catch(() => undefined); // a caller that never looks at it must not get an unhandled rejection

  const shutDown = async (): Promise<void> => {
    await consumer?.disconnect().catch(() => undefined);
    await committer.close().catch(() => undefined);
  };
  const fail = (e: unknown): void => {
    if (state === 'failed' || state === 'stopped') return;
    failure = isPocError(e)
      ? e
      : new StreamProcessingServiceError(`processor "${name}" failed: ${describeKafkaError(e)}`, { cause: e });
    state = 'failed';
    void shutDown().then(() => settle.reject(failure!));
  };

  /** One fetched batch: count it, commit it (or fail), apply it. */
  const onBatch = async (c: Consumer, payload: EachBatchPayload): Promise<void> => {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    if (state !== 'running' || !isRunning() || isStale() || batch.isEmpty()) return;
    const input = batch.messages.map((m) => ({
      key: m.key === null ? null : m.key.toString(),
      time: safeTime(context.eventTime, m),
      partition: batch.partition,
      offset: m.offset,
    }));
    const step = countEvents(counts, input, { windows: context.windows, graceMs: context.graceMs, now: clock.now() });
    const lastOffset = batch.lastOffset();
    const nextOffset = String(BigInt(lastOffset) + 1n);
    const info: CommitInfo = {
      partition: batch.partition,
      firstOffset: batch.firstOffset() ?? lastOffset,
      lastOffset,
      events: input.length,
      changelogRecords: 0,
      outputRecords: step.results.length,
      lateRecords: step.rejected.length,
    };
    try {
      await committer.commit({
        topic: batch.topic,
        partition: batch.partition,
        nextOffset,
        step,
        info,
        commitOffsets: () =>
          kafkaCall(`committing offset ${nextOffset} of ${batch.topic}/${batch.partition}`, () =>
            c.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: nextOffset }]),
          ),
      });
    } catch (e) {
      // What the broker did with the batch is unknown (committed or not): the state in memory can no
      // longer be trusted, so stop. A restart restores it from what was committed.
      fail(e);
      return;
    }
    applyStep(counts, step);
    events += input.length;
    late += step.rejected.length;
    commits++;
    resolveOffset(lastOffset);
    hooks.afterCommit?.(info);
    await heartbeat();
  };

  const processor: WindowedCounter = {
    name,
    async start(signal) {
      check.signal('signal', signal);
      if (state !== 'idle')
        throw new StreamProcessingArgumentError(`start() can be called once (the processor is ${state})`);
      state = 'starting';
      // Until it consumes, an abort (or a stop()) cancels the start; afterwards an abort stops it.
      const interrupted = (): boolean => signal?.aborted === true || state !== 'starting';
      const cancelled = (): Error =>
        signal?.aborted
          ? (signal.reason as Error)
          : new StreamProcessingArgumentError('stop() was called during start()');
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(signal!.reason);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      aborted.catch(() => undefined);
      try {
        if (interrupted()) throw cancelled();
        const opened = await Promise.race([committer.open(signal), aborted]);
        if (interrupted()) throw cancelled();
        counts = opened.state;
        restored = opened.restored;
        const alive = (): boolean => current() === 'starting' || current() === 'running';
        const c = kafka.consumer({
          groupId: name,
          readUncommitted: false,
          ...context.consumer,
          // KafkaJS restarts a crashed consumer on its own (a broker outage): not once this processor has
          // stopped, or a consumer nobody reads from would rejoin the group and hold partitions.
          retry: { restartOnFailure: async () => alive() },
        });
        consumer = c;
        const joined = new Promise<void>((resolve) =>
          c.on(c.events.GROUP_JOIN, () => {
            if (!alive()) void c.disconnect().catch(() => undefined); // a restart that slipped through
            resolve();
          }),
        );
        c.on(c.events.CRASH, ({ payload }) => {
          if (!payload.restart) fail(payload.error);
        });
        await kafkaCall(`starting the consumer of "${context.input}"`, async () => {
          await c.connect();
          await c.subscribe({ topics: [context.input], fromBeginning: true });
          await c.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => onBatch(c, payload) });
        });
        if (interrupted()) throw cancelled();
        state = 'running';
        await Promise.race([joined, stopped, aborted]);
        return opened.restored;
      } catch (e) {
        const now = current();
        if (signal?.aborted || now === 'stopping' || now === 'stopped') {
          // Again even after a stop(): what open() connected after that stop's shutdown must go too.
          if (now !== 'stopped') state = 'stopping';
          await shutDown();
          state = 'stopped';
          settle.resolve();
          throw cancelled();
        }
        fail(e);
        throw failure ?? e;
      } finally {
        if (onAbort) signal?.removeEventListener('abort', onAbort);
        if (state === 'running') signal?.addEventListener('abort', () => void processor.stop(), { once: true });
      }
    },
    async stop() {
      if (state === 'stopped' || state === 'failed' || state === 'stopping') return;
      state = 'stopping';
      await shutDown();
      state = 'stopped';
      settle.resolve();
    },
    status: () => ({ state, restored, events, late, commits, failure }),
    counts: () => [...counts.values()].map(({ partition: _, ...c }) => c).sort(byCount),
    stopped,
  };
  return processor;
}

/** The caller's eventTime, with whatever it throws or returns that is not a time as "no time" (NaN). */
function safeTime(eventTime: (m: KafkaMessage) => number, m: KafkaMessage): number {
  try {
    const t = eventTime(m);
    return typeof t === 'number' ? t : NaN;
  } catch {
    return NaN;
  }
}
