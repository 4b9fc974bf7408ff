// A token bucket per key in Redis: it holds at most `capacity` tokens (the burst a client may send at
// once), refills continuously at `rate`, and each take() is ONE Lua script (src/lua/take-1.lua) that
// reads, refills, decides and writes with nothing from another client in between. Time is the Redis
// server's own clock (TIME inside the script) unless a Clock is given, whose now() is then sent along.
import type { Clock } from '@poc/kit';
import { luaFolder, runScript, type LuaScript } from '@poc/redis-lua';
import type { Redis } from 'ioredis';
import { check, redisCall } from './errors.ts';

/** Tokens added every `perMs` milliseconds, continuously: one token each perMs / tokens ms. */
export interface Rate {
  tokens: number;
  perMs: number;
}

export interface TokenBucketOptions {
  /** Names this family of buckets: bucket `key` lives at `<name>:{<key>}` (one hash, cluster-safe). */
  name: string;
  /** Most tokens a bucket holds: the largest burst admitted at once. A bucket nobody used is full. */
  capacity: number;
  /** How fast a bucket refills, e.g. `{ tokens: 10, perMs: 1_000 }` for 10 per second. */
  rate: Rate;
  /**
   * Where "now" comes from. Default: the Redis server's clock, read inside the script, so every process
   * sharing a bucket agrees on time whatever its own clock says. Given (a ManualClock in tests), its
   * now() — epoch ms — is sent with each take instead. Key expiry still runs on the server's clock.
   */
  clock?: Clock;
}

export interface TakeResult {
  allowed: boolean;
  /** Whole tokens left in the bucket after this call. */
  remaining: number;
  /** 0 when allowed; otherwise how long until the bucket holds enough for the same take (if nobody else takes). */
  retryAfterMs: number;
}

export interface TokenBucket {
  readonly name: string;
  readonly capacity: number;
  readonly rate: Readonly<Rate>;
  /** Takes `n` tokens (default 1) from `key`'s bucket if it holds them, in one atomic step. */
  take(key: string, n?: number, signal?: AbortSignal): Promise<TakeResult>;
  /** Forgets `key`'s bucket: its next take finds it full. */
  reset(key: string): Promise<void>;
}

/** What both versions (this one and src/naive.ts) work with, checked once. */
export interface Settings {
  readonly redis: Redis;
  readonly name: string;
  readonly capacity: number;
  readonly rate: Readonly<Rate>;
  readonly clock: Clock | undefined;
}

/**
 * The script counts µs × tokens in exact integers (doubles are exact up to 2^53): a full bucket is
 * capacity × perMs × 1000 units, which must stay below Number.MAX_SAFE_INTEGER.
 */
const MAX_UNITS = Number.MAX_SAFE_INTEGER;

/** Checks the client and the options; the naive version takes the same and is checked here too. */
export function checkOptions(redis: Redis, options: TokenBucketOptions): Settings {
  check.kind(hasMethods(redis, 'evalsha', 'hmget'), 'redis', 'must be an ioredis client', redis);
  check.kind(
    typeof options === 'object' && options !== null,
    'options',
    'must be an object { name, capacity, rate }',
    options,
  );
  const { name, capacity, rate, clock } = options;
  check.name('options.name', name);
  check.positiveInt('options.capacity', capacity);
  check.kind(typeof rate === 'object' && rate !== null, 'options.rate', 'must be an object { tokens, perMs }', rate);
  check.positiveInt('options.rate.tokens', rate.tokens);
  check.positiveInt('options.rate.perMs', rate.perMs);
  const maxPerMs = Math.floor(MAX_UNITS / 1_000 / capacity);
  check.that(
    rate.perMs <= maxPerMs,
    'options.rate.perMs',
    `must be at most ${maxPerMs} with capacity ${capacity} (capacity × perMs × 1000 µs must stay an exact integer)`,
    rate.perMs,
  );
  check.kind(clock === undefined || hasMethods(clock, 'now'), 'options.clock', 'must be a Clock', clock);
  return { redis, name, capacity, rate: { tokens: rate.tokens, perMs: rate.perMs }, clock };
}

/** Checks one take's arguments (both versions). */
export function checkTake(s: Settings, key: unknown, n: unknown, signal: unknown): void {
  check.name('key', key);
  check.positiveInt('n', n);
  check.that(n <= s.capacity, 'n', `must not exceed capacity (${s.capacity}), or it could never be admitted`, n);
  check.signal('signal', signal);
}

/** The caller's now() in epoch ms, checked (a clock that returns garbage must not reach the script). */
export function readClock(clock: Clock): number {
  const now = clock.now();
  check.that(Number.isSafeInteger(now) && now >= 0, 'clock.now()', 'must return a non-negative integer of ms', now);
  return now;
}

/** Where bucket `key` lives; the hash tag keeps it in one slot on a cluster. */
export const bucketKey = (name: string, key: string): string => `${name}:{${key}}`;

const luaScript = luaFolder(new URL('./lua/', import.meta.url));
let takeScript: LuaScript | undefined;

/** A token bucket per key, each take one Lua script. Every argument is checked first (TokenBucketArgumentError). */
export function tokenBucket(redis: Redis, options: TokenBucketOptions): TokenBucket {
  const s = checkOptions(redis, options);
  return {
    name: s.name,
    capacity: s.capacity,
    rate: s.rate,
    async take(key, n = 1, signal) {
      checkTake(s, key, n, signal);
      signal?.throwIfAborted(); // once sent, a take is one round trip and completes: no half-taken state
      const now = s.clock ? String(readClock(s.clock)) : '';
      takeScript ??= luaScript('take-1.lua');
      const reply = await redisCall(`taking ${n} from bucket "${key}"`, () =>
        runScript(s.redis, takeScript!, [bucketKey(s.name, key)], [s.capacity, s.rate.tokens, s.rate.perMs, n, now]),
      );
      const [allowed, remaining, retryAfterMs] = reply as [number, number, number];
      return { allowed: allowed === 1, remaining, retryAfterMs };
    },
    async reset(key) {
      check.name('key', key);
      await redisCall(`resetting bucket "${key}"`, () => s.redis.del(bucketKey(s.name, key)));
    },
  };
}

/** A client or a clock is recognised by its methods, so a copy of its library in another package passes too. */
const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
