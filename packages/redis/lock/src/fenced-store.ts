// A resource that protects itself with fencing tokens: it remembers the highest token it has accepted
// and refuses writes that carry a lower one. A lock alone cannot stop a holder that paused (GC, swap,
// a slow network) past its lease from writing after a newer holder; the resource can.
import type { Redis } from 'ioredis';
import { StaleTokenError, check, redisCall, requireClient } from './errors.ts';
import { luaScript, runScript } from './scripts.ts';

export interface FencedValue {
  value: string;
  /** The token of the write that stored it: the highest accepted so far. */
  fence: number;
}

export interface FencedStore {
  readonly name: string;
  /** The Redis hash holding `value` and `fence`. */
  readonly key: string;
  /** Stores `value` unless `fence` is lower than a token already accepted (then StaleTokenError). */
  write(fence: number, value: string): Promise<void>;
  read(): Promise<FencedValue | undefined>;
}

export function fencedStore(redis: Redis, name: string): FencedStore {
  requireClient(redis);
  check.name('name', name);
  const key = `fenced:{${name}}`;
  return {
    name,
    key,
    async write(fence, value) {
      check.positiveInt('fence', fence);
      check.kind(typeof value === 'string', 'value', 'must be a string', value);
      const [written, highest] = (await redisCall(`writing fenced store "${name}"`, () =>
        runScript(redis, luaScript('fenced-write-1.lua'), [key], [fence, value]),
      )) as [number, number];
      if (written !== 1) {
        throw new StaleTokenError(
          `fenced store "${name}" rejected a write with fencing token ${fence}: it has already accepted token ${highest}`,
          fence,
          highest,
        );
      }
    },
    async read() {
      const [value, fence] = await redisCall(`reading fenced store "${name}"`, () =>
        redis.hmget(key, 'value', 'fence'),
      );
      return value == null || fence == null ? undefined : { value, fence: Number(fence) };
    },
  };
}
