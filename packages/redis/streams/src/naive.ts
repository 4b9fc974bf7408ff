// The consumer most people write first, kept for contrast: XREADGROUP ... NOACK counts a message as
// acknowledged the moment it is read, so nothing is left pending. A consumer that crashes after a read
// and before its handler finishes loses those messages: no other member can ever claim them.
// Not part of the main API: import it from 'poc-redis-streams/naive'.
import type { Redis } from 'ioredis';
import { check, redisCall } from './errors.ts';
import { requireClient, type Handler } from './streams.ts';

export interface NaiveConsumeOptions<T> {
  stream: string;
  group: string;
  consumer: string;
  handler: Handler<T>;
  signal?: AbortSignal;
  batchSize?: number;
  blockMs?: number;
}

/** Reads with NOACK and calls `handler` for each message; resolves with the number handled when `signal` aborts. */
export async function consumeWithoutAck<T>(redis: Redis, options: NaiveConsumeOptions<T>): Promise<number> {
  requireClient(redis);
  const { stream, group, consumer, handler, signal, batchSize = 10, blockMs = 1_000 } = options;
  check.name('stream', stream);
  check.name('group', group);
  check.name('consumer', consumer);
  check.kind(typeof handler === 'function', 'handler', 'must be a function (entry, signal) => Promise<void>', handler);
  check.signal('signal', signal);
  check.positiveInt('batchSize', batchSize);
  check.positiveInt('blockMs', blockMs);
  const stop = signal ?? new AbortController().signal;
  const blocking = redis.duplicate();
  blocking.on('error', () => {});
  const cut = (): void => blocking.disconnect();
  stop.addEventListener('abort', cut, { once: true });
  let handled = 0;
  try {
    while (!stop.aborted) {
      let reply: Array<[string, Array<[string, string[]]>]> | null;
      try {
        reply = (await redisCall(`XREADGROUP of "${group}" on "${stream}"`, () =>
          blocking.xreadgroup(
            'GROUP',
            group,
            consumer,
            'COUNT',
            batchSize,
            'BLOCK',
            blockMs,
            'NOACK',
            'STREAMS',
            stream,
            '>',
          ),
        )) as typeof reply;
      } catch (e) {
        if (stop.aborted) break;
        throw e;
      }
      for (const [id, fields] of reply?.[0]?.[1] ?? []) {
        if (stop.aborted) break;
        const data = JSON.parse(fields[fields.indexOf('data') + 1] ?? 'null') as T;
        await handler({ id, data, deliveries: 1 }, stop);
        handled++;
      }
    }
    return handled;
  } finally {
    stop.removeEventListener('abort', cut);
    blocking.disconnect();
  }
}
