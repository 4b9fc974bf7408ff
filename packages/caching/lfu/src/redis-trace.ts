// Redis's own policies as a third side: a server with maxmemory and maxmemory-policy allkeys-lfu keeps a
// logarithmic access counter per key (lfu-log-factor) that decays with idle minutes (lfu-decay-time) and
// evicts the lowest of maxmemory-samples sampled keys. replay() runs a trace of accesses against it, each
// a GET-or-SET in one Lua script, and counts hits; allkeys-lru on the same trace is the contrast.
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { check, redisCall } from './errors.ts';
import { count, type HitCount } from './workloads.ts';

const GET_OR_FILL = readFileSync(new URL('./lua/get-or-fill-1.lua', import.meta.url), 'utf8');

export interface RedisTraceOptions {
  /** Key prefix (the suite's or the bench's namespace). */
  prefix: string;
  /** Bytes of each stored value (a positive integer): with maxmemory, it sets how many keys fit. */
  valueBytes?: number;
  /** Accesses in flight at once on the connection (pipelined; order is kept). Default 256. */
  batch?: number;
}

export interface RedisTrace {
  /** Replays the accesses in order; rejects with LfuServiceError when the server fails. */
  replay(trace: readonly number[], options?: { signal?: AbortSignal }): Promise<HitCount>;
  /** Keys of this prefix the server holds now (SCAN of the prefix, after the client's own keyPrefix). */
  resident(): Promise<number>;
}

export function redisTrace(redis: Redis, options: RedisTraceOptions): RedisTrace {
  check.kind(isRedis(redis), 'redis', 'must be an ioredis client', redis);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.name('options.prefix', options.prefix);
  const valueBytes = options.valueBytes ?? 100;
  check.positiveInt('options.valueBytes', valueBytes);
  const batch = options.batch ?? 256;
  check.positiveInt('options.batch', batch);
  const value = 'v'.repeat(valueBytes);
  const { prefix } = options;
  return {
    async replay(trace, { signal } = {}) {
      check.signal('signal', signal);
      let hits = 0;
      for (let i = 0; i < trace.length; i += batch) {
        signal?.throwIfAborted();
        const slice = trace.slice(i, i + batch);
        const replies = await redisCall(`replaying accesses ${i}..${i + slice.length - 1}`, () =>
          Promise.all(slice.map((key) => redis.eval(GET_OR_FILL, 1, `${prefix}${key}`, value) as Promise<number>)),
        );
        for (const r of replies) hits += r;
      }
      return count(hits, trace.length);
    },
    async resident() {
      const pattern = `${redis.options.keyPrefix ?? ''}${prefix}*`; // SCAN does not add keyPrefix itself
      let n = 0;
      let cursor = '0';
      do {
        const [next, keys] = await redisCall('counting resident keys', () =>
          redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000),
        );
        cursor = next;
        n += keys.length;
      } while (cursor !== '0');
      return n;
    },
  };
}

const isRedis = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  ['eval', 'scan', 'duplicate'].every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
