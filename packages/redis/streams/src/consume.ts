// Consuming a stream as one member of a consumer group: XREADGROUP a batch on a connection of its own,
// run the handler on one message at a time, XACK after it succeeded, XAUTOCLAIM what other members left
// idle, dead-letter what failed too often. Every step that must be atomic is a Lua script (src/lua/).
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { check, redisCall } from './errors.ts';
import { luaScript, runScript } from './scripts.ts';
import { decode, requireClient, type Handler } from './streams.ts';

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
  /**
   * Claim messages pending at least this long (default 30 000). Longer than your slowest handler (plus
   * its ack's trip to Redis): a handler's clock starts when it starts, not when its batch was read.
   */
  claimIdleMs?: number;
  /** Look for claimable messages this often (default claimIdleMs), and once at start. */
  claimEveryMs?: number;
  /**
   * A message whose handler ran this many times without an ack is dead-lettered instead of run again
   * (default 5). Runs are counted, not deliveries: a message read but never started does not use one up.
   */
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
  /** Messages this consumer removed from the pending list (a late ack of a message already acked elsewhere is not one). */
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

type ClaimReply = [string, Array<[string, string[]]>, string[], string[]];
type ReadReply = Array<[string, Array<[string, string[]]>]> | null;

/**
 * Runs one group member until `signal` aborts; resolves with what it did. Each message is started right
 * before its handler (still ours? then its idle time restarts and the run is counted) and acked (XACK)
 * only after `handler` resolved; a handler that throws leaves it pending, and after `claimIdleMs` some
 * member (this one or another) claims it again, until its handler has run `maxDeliveries` times.
 * Blocking reads use a connection of their own (`redis.duplicate()`), closed when the loop ends;
 * starts, acks and claims use `redis`. A Redis failure rejects with StreamServiceError.
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

  // Handler runs per message, kept beside the stream: dead-lettering counts runs, not deliveries.
  const runs = `${s.stream}:runs:${s.group}`;
  const trimmedAway = (ids: string[]): void => {
    stats.trimmedWhilePending += ids.length;
    s.onTrimmed?.(ids);
  };

  // Messages run one at a time, each started by start-2.lua: if it is still ours, its idle time goes
  // back to 0 (no one can claim it for claimIdleMs from now) and the run is counted; if another consumer
  // claimed it while it waited in the batch, it is theirs and is skipped. Each message is acked as soon
  // as its handler resolves; the XACK is sent at once but its reply is awaited with the batch's other
  // acks: one round trip per message to start it, one per batch for the acks.
  const handle = async (entries: ReadonlyArray<{ id: string; fields: string[] }>): Promise<void> => {
    const acks: Array<Promise<void>> = [];
    let ackFailure: unknown;
    try {
      for (const { id, fields } of entries) {
        if (signal.aborted) break; // the rest stay pending, unstarted; a live member claims them after claimIdleMs
        const token = randomBytes(8).toString('hex');
        const run = (await redisCall(`starting message ${id} of "${s.group}" on "${s.stream}"`, () =>
          runScript(redis, luaScript('start-2.lua'), [s.stream, runs], [s.group, s.consumer, id, token]),
        )) as number;
        if (run === 0) continue; // claimed by another consumer while it waited in this batch: theirs now
        if (run < 0) {
          trimmedAway([id]);
          continue;
        }
        try {
          await s.handler({ id, data: decode<T>(fields), deliveries: run }, signal);
        } catch (e) {
          stats.failed++;
          s.onError?.(e, { id, deliveries: run });
          continue;
        }
        acks.push(
          redisCall(`XACK on "${s.stream}"`, () =>
            runScript(redis, luaScript('ack-2.lua'), [s.stream, runs], [s.group, id]),
          ).then(
            (acked) => void (stats.acked += acked as number),
            (e: unknown) => void (ackFailure ??= e),
          ),
        );
      }
    } finally {
      await Promise.all(acks);
    }
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
            luaScript('claim-3.lua'),
            [s.stream, s.deadLetterStream, runs],
            [s.group, s.consumer, s.claimIdleMs, cursor, s.batchSize, s.maxDeliveries],
          ),
      )) as ClaimReply;
      cursor = next;
      if (dead.length > 0) {
        stats.deadLettered += dead.length;
        s.onDeadLetter?.(dead);
      }
      if (trimmed.length > 0) trimmedAway(trimmed);
      stats.reclaimed += entries.length;
      await handle(entries.map(([id, fields]) => ({ id, fields })));
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
      await handle(entries.map(([id, fields]) => ({ id, fields })));
    }
    return stats;
  } finally {
    signal.removeEventListener('abort', cut);
    stop.abort();
    blocking.disconnect();
  }
}
