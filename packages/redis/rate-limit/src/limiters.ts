// Three limiters behind one interface. Each consume() is ONE Lua script run: read the state, decide,
// record — with nothing from another client in between, however many API processes share the Redis.
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { check, redisCall } from './errors.ts';
import { luaScript, runScript, type LuaScript } from './scripts.ts';

export type Algorithm = 'sliding-log' | 'sliding-counter' | 'fixed-window';

export interface LimiterOptions {
  /** An ioredis client; several processes with clients on the same Redis share the limits. */
  redis: Redis;
  /** Units admitted per window and key (a request costs 1 unless told otherwise). */
  limit: number;
  windowMs: number;
  /** Where "now" comes from (default the kit's systemClock); only now() is read, an integer of epoch ms. */
  clock?: Clock;
  /** First part of every key this limiter writes (default "rl"). */
  prefix?: string;
}

export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  /** Units that could still be admitted right now, after this call. */
  remaining: number;
  /** 0 when allowed; otherwise the wait after which the same call can pass (if nothing else is admitted meanwhile). */
  retryAfterMs: number;
  /** Wait until this key is back to its full limit, if no more requests arrive. */
  resetMs: number;
}

export interface RateLimiter {
  readonly algorithm: Algorithm;
  readonly limit: number;
  readonly windowMs: number;
  /** Admits or denies `cost` units for `key` (a client id, an API key, an IP) in one atomic step. */
  consume(key: string, cost?: number): Promise<RateLimitResult>;
  /** Forgets everything recorded for `key`. */
  reset(key: string): Promise<void>;
}

interface Settings {
  redis: Redis;
  limit: number;
  windowMs: number;
  clock: Clock;
  prefix: string;
}

export function validateOptions(options: LimiterOptions): Settings {
  check.kind(
    typeof options === 'object' && options !== null,
    'options',
    'must be an object { redis, limit, windowMs }',
    options,
  );
  const { redis, limit, windowMs, clock = systemClock, prefix = 'rl' } = options;
  check.kind(
    typeof redis === 'object' && redis !== null && typeof redis.evalsha === 'function',
    'redis',
    'must be an ioredis client',
    redis,
  );
  check.positiveInt('limit', limit);
  check.positiveInt('windowMs', windowMs);
  check.kind(
    typeof clock === 'object' && clock !== null && typeof clock.now === 'function',
    'clock',
    'must be an object with now(): number',
    clock,
  );
  check.name('prefix', prefix);
  return { redis, limit, windowMs, clock, prefix };
}

export function validateKey(key: unknown): asserts key is string {
  check.name('key', key);
}

export function validateCost(cost: unknown, limit: number): asserts cost is number {
  check.positiveInt('cost', cost);
  check.that(cost <= limit, 'cost', `must not exceed limit (${limit}), or it could never be admitted`, cost);
}

export function readClock(clock: Clock): number {
  const now = clock.now();
  check.that(Number.isSafeInteger(now) && now >= 0, 'clock.now()', 'must return a non-negative integer of ms', now);
  return now;
}

function toResult(reply: unknown, limit: number): RateLimitResult {
  const [allowed, remaining, retryAfterMs, resetMs] = reply as [number, number, number, number];
  return { allowed: allowed === 1, limit, remaining, retryAfterMs, resetMs };
}

interface Design {
  algorithm: Algorithm;
  script: string;
  /** The keys the script touches at time `now`; every key of one client shares the hash tag {key}. */
  keys(base: string, now: number, windowMs: number): string[];
  /** Extra ARGV after now, windowMs, limit, cost. */
  extraArgs?: () => string[];
}

function limiter(design: Design, options: LimiterOptions): RateLimiter {
  const s = validateOptions(options);
  let script: LuaScript | undefined;
  const base = (key: string): string => `${s.prefix}:${design.algorithm}:{${key}}`;
  return {
    algorithm: design.algorithm,
    limit: s.limit,
    windowMs: s.windowMs,
    async consume(key, cost = 1) {
      validateKey(key);
      validateCost(cost, s.limit);
      const now = readClock(s.clock);
      script ??= luaScript(design.script);
      const keys = design.keys(base(key), now, s.windowMs);
      const args = [now, s.windowMs, s.limit, cost, ...(design.extraArgs?.() ?? [])];
      const reply = await redisCall(`${design.algorithm} consume for key "${key}"`, () =>
        runScript(s.redis, script!, keys, args),
      );
      return toResult(reply, s.limit);
    },
    async reset(key) {
      validateKey(key);
      const keys = design.keys(base(key), readClock(s.clock), s.windowMs);
      await redisCall(`${design.algorithm} reset for key "${key}"`, () => s.redis.del(...keys));
    },
  };
}

const windowIndex = (now: number, windowMs: number): number => Math.floor(now / windowMs);

// Log members must be unique across every process sharing the Redis: a random id per process + a sequence.
const processId = randomBytes(6).toString('hex');
let sequence = 0;

/** Exact: remembers every admitted request of the last windowMs (memory O(limit) per key). */
export const slidingWindowLog = (options: LimiterOptions): RateLimiter =>
  limiter(
    {
      algorithm: 'sliding-log',
      script: 'sliding-log-1.lua',
      keys: (base) => [base],
      extraArgs: () => [`${processId}-${(sequence++).toString(36)}`],
    },
    options,
  );

/** Approximate: two counters per key; weights the previous window as if its requests were evenly spread. */
export const slidingWindowCounter = (options: LimiterOptions): RateLimiter =>
  limiter(
    {
      algorithm: 'sliding-counter',
      script: 'sliding-counter-2.lua',
      keys: (base, now, windowMs) => {
        const i = windowIndex(now, windowMs);
        return [`${base}:${i}`, `${base}:${i - 1}`];
      },
    },
    options,
  );

/** For contrast: one counter per epoch-aligned window; up to 2 x limit can pass around a window edge. */
export const fixedWindow = (options: LimiterOptions): RateLimiter =>
  limiter(
    {
      algorithm: 'fixed-window',
      script: 'fixed-window-1.lua',
      keys: (base, now, windowMs) => [`${base}:${windowIndex(now, windowMs)}`],
    },
    options,
  );
