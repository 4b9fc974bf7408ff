// Counters in Redis. INCRBY is one command that reads, adds and writes inside the server's single
// thread, so concurrent increments cannot overwrite each other. The naive alternative (src/naive.ts)
// reads the value into the application and writes value + 1 back: two callers that read the same
// value both write the same result, and one increment is gone.
import type { Redis } from 'ioredis';
import { check, redisCall, requireClient, requireName } from './errors.ts';
import { luaScript, runScript } from './scripts.ts';

export interface CounterOptions {
  /** Put before every counter name (default "counter:"). */
  keyPrefix?: string;
}

export interface Counters {
  /** Adds `by` (default 1) atomically and resolves with the new value. */
  increment(name: string, by?: number): Promise<number>;
  /** The current value; 0 for a counter never incremented. */
  get(name: string): Promise<number>;
  /** Deletes the counter (it reads 0 again). */
  reset(name: string): Promise<void>;
  /** The Redis key for `name` (prefix included). */
  key(name: string): string;
}

function checkPrefix(keyPrefix: unknown): asserts keyPrefix is string {
  check.that(
    typeof keyPrefix === 'string' && keyPrefix.length <= 256,
    'keyPrefix',
    'must be a string of at most 256 characters',
    keyPrefix,
  );
}

const toCount = (raw: string | null): number => (raw === null ? 0 : Number(raw));

/** Plain counters: INCRBY / GET / DEL. */
export function counters(redis: Redis, options: CounterOptions = {}): Counters {
  requireClient(redis, 'incrby', 'get', 'del');
  const { keyPrefix = 'counter:' } = options;
  checkPrefix(keyPrefix);
  const key = (name: string): string => {
    requireName(name);
    return keyPrefix + name;
  };
  return {
    key,
    async increment(name, by = 1) {
      const k = key(name);
      check.positiveInt('by', by);
      return redisCall(`incrementing "${k}"`, () => redis.incrby(k, by));
    },
    async get(name) {
      const k = key(name);
      return toCount(await redisCall(`reading "${k}"`, () => redis.get(k)));
    },
    async reset(name) {
      const k = key(name);
      await redisCall(`resetting "${k}"`, () => redis.del(k));
    },
  };
}

export interface WindowCount {
  /** The count in the current window, this increment included. */
  count: number;
  /** When the window ends and the counter starts again from 0. */
  resetsInMs: number;
}

export interface ExpiringCounterOptions extends CounterOptions {
  /** Length of a window in ms, counted from the first increment (e.g. 60_000 for per-minute counters). */
  windowMs: number;
}

export interface ExpiringCounters {
  /** Adds `by` (default 1); the first increment of a window also sets its expiry, in the same atomic step. */
  increment(name: string, by?: number): Promise<WindowCount>;
  /** The current window's count (0 and resetsInMs 0 when no window is open). */
  get(name: string): Promise<WindowCount>;
  key(name: string): string;
}

/**
 * Counters that reset by themselves: "requests of this API key in the current minute". The window
 * opens at the first increment and the key expires windowMs later; later increments do not push
 * the expiry back. INCRBY and PEXPIRE run in one Lua script (src/lua/incr-expire-1.lua).
 */
export function expiringCounters(redis: Redis, options: ExpiringCounterOptions): ExpiringCounters {
  requireClient(redis, 'evalsha', 'eval', 'get', 'pttl');
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object with windowMs', options);
  const { windowMs, keyPrefix = 'counter:' } = options;
  check.positiveInt('windowMs', windowMs);
  checkPrefix(keyPrefix);
  const script = luaScript('incr-expire-1.lua');
  const key = (name: string): string => {
    requireName(name);
    return keyPrefix + name;
  };
  return {
    key,
    async increment(name, by = 1) {
      const k = key(name);
      check.positiveInt('by', by);
      const [count, ttl] = (await redisCall(`incrementing "${k}"`, () =>
        runScript(redis, script, [k], [by, windowMs]),
      )) as [number, number];
      return { count, resetsInMs: ttl };
    },
    async get(name) {
      const k = key(name);
      const [raw, ttl] = await redisCall(`reading "${k}"`, () => Promise.all([redis.get(k), redis.pttl(k)]));
      return raw === null ? { count: 0, resetsInMs: 0 } : { count: Number(raw), resetsInMs: Math.max(ttl, 0) };
    },
  };
}
