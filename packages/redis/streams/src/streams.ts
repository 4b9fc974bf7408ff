// A work queue on a Redis stream: XADD with MAXLEN ~ trimming, one consumer group whose members read
// with XREADGROUP and XACK only after their handler succeeded (src/consume.ts), XAUTOCLAIM of what a
// crashed member left pending, and a dead-letter stream for messages that keep failing. This file holds
// the message format, producing, and looking inside a group.
import type { Redis } from 'ioredis';
import { StreamArgumentError, check, redisCall } from './errors.ts';

/** One message as a handler sees it. */
export interface StreamEntry<T> {
  /** Stream id, e.g. "1732233600000-0": time of the XADD in ms, then a sequence number. */
  readonly id: string;
  readonly data: T;
  /**
   * Handler runs of this message, this one included: 1 on its first run, 2 on its first retry ... A
   * delivery that never reached a handler (the message waited in a batch whose consumer stopped or
   * died first) does not count. maxDeliveries is compared with this number.
   */
  readonly deliveries: number;
}

export type Handler<T> = (entry: StreamEntry<T>, signal: AbortSignal) => Promise<void> | void;

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
export function decode<T>(fields: readonly string[]): T {
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
  /** How many times its handler ran (without an ack) before it was set aside. */
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
