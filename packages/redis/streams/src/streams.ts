// A work queue on a Redis stream: XADD with MAXLEN ~ trimming, one consumer group whose members read
// with XREADGROUP and XACK only after their handler succeeded, XAUTOCLAIM of what a crashed member left
// pending, and a dead-letter stream for messages that keep failing.
import { systemClock, type Clock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { StreamArgumentError, check, redisCall } from './errors.ts';
import { luaScript, runScript } from './scripts.ts';

/** One message as a handler sees it. */
export interface StreamEntry<T> {
  /** Stream id, e.g. "1732233600000-0": time of the XADD in ms, then a sequence number. */
  readonly id: string;
  readonly data: T;
  /** 1 on first delivery; each XAUTOCLAIM adds one. */
  readonly deliveries: number;
}

export function requireClient(redis: unknown, name = 'redis'): asserts redis is Redis {
  const ok = typeof redis === 'object' && redis !== null && typeof (redis as Redis).xadd === 'function';
  check.kind(ok, name, 'must be an ioredis client', redis);
}

// The payload travels as JSON in one field; a message written by anyone else fails to parse in the
// consume loop, counts as a handler failure and ends up in the dead-letter stream.
const DATA = 'data';
function encode(name: string, data: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch (e) {
    throw new StreamArgumentError(`${name} must be JSON-serialisable (${(e as Error).message.split('\n')[0]})`);
  }
  check.kind(typeof json === 'string', name, 'must be JSON-serialisable (not undefined or a function)', data);
  return json;
}
function decode<T>(fields: readonly string[]): T {
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === DATA) return JSON.parse(fields[i + 1]!) as T;
  throw new Error(
    `entry has no "${DATA}" field (fields: ${fields.filter((_, i) => i % 2 === 0).join(', ') || 'none'})`,
  );
}

// --- producing -----------------------------------------------------------------------------------

export interface ProducerOptions {
  stream: string;
  /** Keep about this many entries: XADD ... MAXLEN ~ maxLen (omit for an unbounded stream). */
  maxLen?: number;
  /** Trim to exactly maxLen (MAXLEN =) instead of whole radix-tree nodes (MAXLEN ~); slower. Default false. */
  exactTrim?: boolean;
}

export interface StreamProducer<T> {
  readonly stream: string;
  /** Appends one message; resolves with its stream id. */
  add(data: T): Promise<string>;
  /** Appends several in one round trip (a pipeline), in order; resolves with their ids. */
  addMany(items: readonly T[]): Promise<string[]>;
}

export function streamProducer<T>(redis: Redis, options: ProducerOptions): StreamProducer<T> {
  requireClient(redis);
  check.kind(
    typeof options === 'object' && options !== null,
    'options',
    'must be an object with at least stream',
    options,
  );
  const { stream, maxLen, exactTrim = false } = options;
  check.name('stream', stream);
  if (maxLen !== undefined) check.positiveInt('maxLen', maxLen);
  const trim: Array<string | number> = maxLen === undefined ? [] : ['MAXLEN', exactTrim ? '=' : '~', maxLen];
  const args = (json: string): Array<string | number> => [...trim, '*', DATA, json];
  return {
    stream,
    async add(data) {
      const json = encode('data', data);
      const id = await redisCall(`XADD to "${stream}"`, () => redis.xadd(stream, ...(args(json) as [string])));
      return id!;
    },
    async addMany(items) {
      check.kind(Array.isArray(items), 'items', 'must be an array', items);
      const jsons = items.map((item, i) => encode(`items[${i}]`, item));
      if (jsons.length === 0) return [];
      const results = await redisCall(`XADD of ${jsons.length} messages to "${stream}"`, async () => {
        const pipeline = redis.pipeline();
        for (const json of jsons) pipeline.xadd(stream, ...(args(json) as [string]));
        return (await pipeline.exec()) ?? [];
      });
      const failed = results.findIndex(([err]) => err);
      if (failed >= 0)
        await redisCall(`XADD of message ${failed} to "${stream}"`, () => Promise.reject(results[failed]![0]));
      return results.map(([, id]) => id as string);
    },
  };
}

// --- groups and inspection -----------------------------------------------------------------------

/**
 * Creates the consumer group (and the stream, MKSTREAM) if it does not exist yet. `startId` '0'
 * (default) hands the group every message already in the stream; '$' only those added from now on.
 * Resolves true when it created the group, false when it already existed.
 */
export async function ensureGroup(
  redis: Redis,
  stream: string,
  group: string,
  startId: '0' | '$' = '0',
): Promise<boolean> {
  requireClient(redis);
  check.name('stream', stream);
  check.name('group', group);
  check.oneOf('startId', startId, ['0', '$']);
  // ioredis's keyPrefix does not reach the key of XGROUP (it follows a subcommand), so add it here.
  const key = `${redis.options.keyPrefix ?? ''}${stream}`;
  return redisCall(`creating group "${group}" on "${stream}"`, () =>
    redis.xgroup('CREATE', key, group, startId, 'MKSTREAM').then(
      () => true,
      (e: unknown) => {
        if (e instanceof Error && e.message.startsWith('BUSYGROUP')) return false;
        throw e;
      },
    ),
  );
}

/** How many messages the group has delivered and not yet acknowledged, in total and per consumer. */
export async function pendingSummary(
  redis: Redis,
  stream: string,
  group: string,
): Promise<{ count: number; consumers: Record<string, number> }> {
  requireClient(redis);
  check.name('stream', stream);
  check.name('group', group);
  const reply = (await redisCall(`XPENDING of "${group}" on "${stream}"`, () => redis.xpending(stream, group))) as [
    number,
    string | null,
    string | null,
    Array<[string, string]> | null,
  ];
  const consumers: Record<string, number> = {};
  for (const [name, n] of reply[3] ?? []) consumers[name] = Number(n);
  return { count: Number(reply[0]), consumers };
}

export interface DeadLetter {
  /** Id in the dead-letter stream. */
  readonly id: string;
  /** Id the message had in the original stream. */
  readonly originId: string;
  readonly group: string;
  /** How many times it was handed to a handler before it was set aside. */
  readonly deliveries: number;
  /** The payload, undecoded: it may be what made every handler fail. */
  readonly raw: string | undefined;
}

/** Reads up to `count` dead letters, oldest first. */
export async function readDeadLetters(redis: Redis, deadLetterStream: string, count = 100): Promise<DeadLetter[]> {
  requireClient(redis);
  check.name('deadLetterStream', deadLetterStream);
  check.positiveInt('count', count);
  const entries = await redisCall(`XRANGE of "${deadLetterStream}"`, () =>
    redis.xrange(deadLetterStream, '-', '+', 'COUNT', count),
  );
  return entries.map(([id, fields]) => {
    const f = new Map<string, string>();
    for (let i = 0; i < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
    return {
      id,
      originId: f.get('origin-id') ?? '',
      group: f.get('group') ?? '',
      deliveries: Number(f.get('deliveries')),
      raw: f.get(DATA),
    };
  });
}

// --- consuming -----------------------------------------------------------------------------------

export type Handler<T> = (entry: StreamEntry<T>, signal: AbortSignal) => Promise<void> | void;

export interface ConsumeOptions<T> {
  stream: string;
  group: string;
  /** This member's name; unique per process (a restarted process may reuse its name). */
  consumer: string;
  handler: Handler<T>;
  /** Stops the loop: the blocking read is cut at once, the running handler gets this signal. */
  signal?: AbortSignal;
  /** Messages per XREADGROUP / XAUTOCLAIM call (default 10). */
  batchSize?: number;
  /** Longest a single XREADGROUP waits for new messages (default 1 000). */
  blockMs?: number;
  /** Claim messages pending at least this long (default 30 000): longer than your slowest handler. */
  claimIdleMs?: number;
  /** Look for claimable messages this often (default claimIdleMs), and once at start. */
  claimEveryMs?: number;
  /** A message handed to a handler this many times without an ack is dead-lettered (default 5). */
  maxDeliveries?: number;
  /** Where dead letters go (default `${stream}:dead`). */
  deadLetterStream?: string;
  /** A handler threw (or the payload did not parse): the message stays pending and is retried later. */
  onError?: (error: unknown, entry: { id: string; deliveries: number }) => void;
  /** Messages just moved to the dead-letter stream. */
  onDeadLetter?: (ids: string[]) => void;
  /** Pending messages MAXLEN trimming deleted before anyone processed them: they are gone. */
  onTrimmed?: (ids: string[]) => void;
  /** When to look for claimable messages (default: the kit's systemClock). */
  clock?: Clock;
}

export interface ConsumeStats {
  /** New messages read with XREADGROUP ... '>'. */
  delivered: number;
  /** Messages taken over from an idle consumer (or from this one, after a failure) by XAUTOCLAIM. */
  reclaimed: number;
  acked: number;
  failed: number;
  deadLettered: number;
  trimmedWhilePending: number;
}

interface Settings<T> extends Required<Omit<ConsumeOptions<T>, 'signal' | 'onError' | 'onDeadLetter' | 'onTrimmed'>> {
  signal: AbortSignal | undefined;
  onError: ConsumeOptions<T>['onError'];
  onDeadLetter: ConsumeOptions<T>['onDeadLetter'];
  onTrimmed: ConsumeOptions<T>['onTrimmed'];
}

function consumeSettings<T>(redis: unknown, options: ConsumeOptions<T>): Settings<T> {
  requireClient(redis);
  check.kind(
    typeof options === 'object' && options !== null,
    'options',
    'must be an object with stream, group, consumer and handler',
    options,
  );
  const {
    stream,
    group,
    consumer,
    handler,
    signal,
    batchSize = 10,
    blockMs = 1_000,
    claimIdleMs = 30_000,
    maxDeliveries = 5,
  } = options;
  const { claimEveryMs = claimIdleMs, deadLetterStream = `${stream}:dead`, clock = systemClock } = options;
  check.name('stream', stream);
  check.name('group', group);
  check.name('consumer', consumer);
  check.kind(typeof handler === 'function', 'handler', 'must be a function (entry, signal) => Promise<void>', handler);
  check.signal('signal', signal);
  check.positiveInt('batchSize', batchSize);
  check.positiveInt('blockMs', blockMs);
  check.positiveInt('claimIdleMs', claimIdleMs);
  check.positiveInt('claimEveryMs', claimEveryMs);
  check.positiveInt('maxDeliveries', maxDeliveries);
  check.name('deadLetterStream', deadLetterStream);
  check.that(deadLetterStream !== stream, 'deadLetterStream', 'must differ from stream', deadLetterStream);
  for (const hook of ['onError', 'onDeadLetter', 'onTrimmed'] as const) {
    if (options[hook] !== undefined) check.fn(hook, options[hook]);
  }
  return {
    stream,
    group,
    consumer,
    handler,
    signal,
    batchSize,
    blockMs,
    claimIdleMs,
    claimEveryMs,
    maxDeliveries,
    deadLetterStream,
    clock,
    onError: options.onError,
    onDeadLetter: options.onDeadLetter,
    onTrimmed: options.onTrimmed,
  };
}

type ClaimReply = [string, Array<[string, string[], number]>, string[], string[]];
type ReadReply = Array<[string, Array<[string, string[]]>]> | null;

/**
 * Runs one group member until `signal` aborts; resolves with what it did. Each message is acked
 * (XACK) only after `handler` resolved; a handler that throws leaves it pending, and after
 * `claimIdleMs` some member (this one or another) claims it again, up to `maxDeliveries` times.
 * Blocking reads use a connection of their own (`redis.duplicate()`), closed when the loop ends;
 * handlers' acks and claims use `redis`. A Redis failure rejects with StreamServiceError.
 */
export async function consume<T>(redis: Redis, options: ConsumeOptions<T>): Promise<ConsumeStats> {
  const s = consumeSettings(redis, options);
  const stats: ConsumeStats = {
    delivered: 0,
    reclaimed: 0,
    acked: 0,
    failed: 0,
    deadLettered: 0,
    trimmedWhilePending: 0,
  };
  const stop = new AbortController();
  const signal = s.signal ? AbortSignal.any([s.signal, stop.signal]) : stop.signal;
  if (signal.aborted) return stats;

  // Each message is acked as soon as its handler resolves. The XACK is sent at once but its reply is
  // awaited with the batch's other acks: one round trip per batch instead of one per message.
  const handle = async (
    entries: ReadonlyArray<{ id: string; fields: string[]; deliveries: number }>,
  ): Promise<void> => {
    const acks: Array<Promise<void>> = [];
    let ackFailure: unknown;
    for (const { id, fields, deliveries } of entries) {
      if (signal.aborted) break; // the rest stay pending; a live member claims them after claimIdleMs
      try {
        await s.handler({ id, data: decode<T>(fields), deliveries }, signal);
      } catch (e) {
        stats.failed++;
        s.onError?.(e, { id, deliveries });
        continue;
      }
      acks.push(
        redisCall(`XACK on "${s.stream}"`, () => redis.xack(s.stream, s.group, id)).then(
          () => void stats.acked++,
          (e: unknown) => void (ackFailure ??= e),
        ),
      );
    }
    await Promise.all(acks);
    if (ackFailure !== undefined) throw ackFailure;
  };

  let cursor = '0-0';
  const claimAll = async (): Promise<void> => {
    do {
      const [next, entries, dead, trimmed] = (await redisCall(
        `claiming idle messages of "${s.group}" on "${s.stream}"`,
        () =>
          runScript(
            redis,
            luaScript('claim-2.lua'),
            [s.stream, s.deadLetterStream],
            [s.group, s.consumer, s.claimIdleMs, cursor, s.batchSize, s.maxDeliveries],
          ),
      )) as ClaimReply;
      cursor = next;
      if (dead.length > 0) {
        stats.deadLettered += dead.length;
        s.onDeadLetter?.(dead);
      }
      if (trimmed.length > 0) {
        stats.trimmedWhilePending += trimmed.length;
        s.onTrimmed?.(trimmed);
      }
      stats.reclaimed += entries.length;
      await handle(entries.map(([id, fields, deliveries]) => ({ id, fields, deliveries })));
    } while (cursor !== '0-0' && !signal.aborted);
  };

  // XREADGROUP ... BLOCK holds its connection until messages arrive; aborting closes it to cut the wait.
  const blocking = redis.duplicate();
  blocking.on('error', () => {}); // a failed read rejects its command; that is where it is reported
  const cut = (): void => blocking.disconnect();
  signal.addEventListener('abort', cut, { once: true });
  try {
    let nextClaimAt = s.clock.now(); // claim first: pick up what a crashed predecessor left behind
    while (!signal.aborted) {
      if (s.clock.now() >= nextClaimAt) {
        await claimAll();
        nextClaimAt = s.clock.now() + s.claimEveryMs;
      }
      if (signal.aborted) break;
      const blockFor = Math.max(1, Math.min(s.blockMs, Math.ceil(nextClaimAt - s.clock.now())));
      let reply: ReadReply;
      try {
        reply = (await redisCall(`XREADGROUP of "${s.group}" on "${s.stream}"`, () =>
          blocking.xreadgroup(
            'GROUP',
            s.group,
            s.consumer,
            'COUNT',
            s.batchSize,
            'BLOCK',
            blockFor,
            'STREAMS',
            s.stream,
            '>',
          ),
        )) as ReadReply;
      } catch (e) {
        if (signal.aborted) break;
        throw e;
      }
      const entries = reply?.[0]?.[1] ?? [];
      stats.delivered += entries.length;
      await handle(entries.map(([id, fields]) => ({ id, fields, deliveries: 1 })));
    }
    return stats;
  } finally {
    signal.removeEventListener('abort', cut);
    stop.abort();
    blocking.disconnect();
  }
}
