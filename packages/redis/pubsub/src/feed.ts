// The contrast to pub/sub: the same notifications appended to a Redis stream (XADD) and read with
// XREAD from the last id a reader has seen. Nothing is pushed, so nothing is lost while a reader is
// away: it comes back, asks for "everything after <last id>" and catches up (as far as MAXLEN kept it).
import type { Clock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { check, redisCall } from './errors.ts';
import { encodeEnvelope, preciseClock, requireClient, requireTopic, type Envelope } from './pubsub.ts';

export interface FeedEntry<T> {
  /** Stream id: pass the last one you processed as `from` to resume after it. */
  readonly id: string;
  readonly data: T;
  readonly sentAt: number;
}

export interface FeedWriter<T> {
  readonly stream: string;
  /** XADD (MAXLEN ~ maxLen); resolves with the entry's id. */
  append(data: T): Promise<string>;
}

export function feedWriter<T>(
  redis: Redis,
  options: { stream: string; maxLen?: number; clock?: Clock },
): FeedWriter<T> {
  requireClient(redis);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object with a stream', options);
  const { stream, maxLen, clock = preciseClock } = options;
  requireTopic('stream', stream);
  if (maxLen !== undefined) check.positiveInt('maxLen', maxLen);
  const trim: Array<string | number> = maxLen === undefined ? [] : ['MAXLEN', '~', maxLen];
  return {
    stream,
    async append(data) {
      const message = encodeEnvelope('data', data, clock);
      const args: Array<string | number> = [...trim, '*', 'm', message];
      const id = await redisCall(`XADD to "${stream}"`, () => redis.xadd(stream, ...(args as [string])));
      return id!;
    },
  };
}

export interface FeedReader<T> {
  /** The id of the last entry returned (or the starting point): where a new reader would resume. */
  readonly lastId: string;
  /** Entries after lastId, waiting up to blockMs for the first one; [] when none came. */
  read(options?: { count?: number; blockMs?: number }): Promise<Array<FeedEntry<T>>>;
  /** Closes the reader's connection. Idempotent. */
  close(): void;
}

const STREAM_ID = /^\d+-\d+$/;

/**
 * A reader on a connection of its own (XREAD BLOCK holds it). `from`: '$' = only entries added from now
 * on (resolved to the current last id at once, so nothing added between two reads is skipped), '0' = the
 * whole stream, or an entry id = everything after it (the resume case).
 */
export async function openFeedReader<T>(
  redis: Redis,
  options: { stream: string; from?: string },
): Promise<FeedReader<T>> {
  requireClient(redis);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object with a stream', options);
  const { stream, from = '$' } = options;
  requireTopic('stream', stream);
  check.that(
    from === '$' || from === '0' || STREAM_ID.test(from),
    'from',
    `must be '$', '0' or a stream id like 1700000000000-0`,
    from,
  );
  let lastId = from === '0' ? '0-0' : from;
  if (from === '$') {
    const [newest] = await redisCall(`XREVRANGE of "${stream}"`, () => redis.xrevrange(stream, '+', '-', 'COUNT', 1));
    lastId = newest?.[0] ?? '0-0';
  }
  const conn = redis.duplicate();
  conn.on('error', () => {});
  return {
    get lastId() {
      return lastId;
    },
    async read({ count = 100, blockMs = 1_000 } = {}) {
      check.positiveInt('count', count);
      check.positiveInt('blockMs', blockMs);
      const reply = (await redisCall(`XREAD of "${stream}" after ${lastId}`, () =>
        conn.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', stream, lastId),
      )) as Array<[string, Array<[string, string[]]>]> | null;
      const entries = (reply?.[0]?.[1] ?? []).map(([id, fields]) => {
        const envelope = JSON.parse(fields[fields.indexOf('m') + 1] ?? 'null') as Envelope<T>;
        return { id, data: envelope.data, sentAt: envelope.sentAt };
      });
      if (entries.length > 0) lastId = entries.at(-1)!.id;
      return entries;
    },
    close() {
      conn.disconnect();
    },
  };
}
