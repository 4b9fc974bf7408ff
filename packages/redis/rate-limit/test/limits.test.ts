import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fixedWindow,
  slidingWindowCounter,
  slidingWindowLog,
  type LimiterOptions,
  type RateLimiter,
} from '../src/index.ts';
import { T0, burst, fakeClock } from './helpers.ts';

let ns: RedisNamespace;
let redis: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'ratelimit' });
  redis = ns.client();
});
afterAll(() => ns?.close());

const factories = {
  'sliding-log': slidingWindowLog,
  'sliding-counter': slidingWindowCounter,
  'fixed-window': fixedWindow,
} as const;
type Name = keyof typeof factories;
let n = 0;
/** A limiter with its own fake clock and its own key prefix, so tests never see each other's state. */
function make(name: Name, options: Omit<LimiterOptions, 'redis' | 'clock'>, start = T0) {
  const clock = fakeClock(start);
  const limiter = factories[name]({ redis, clock, prefix: `p${n++}`, ...options });
  return { limiter, clock };
}

describe('the edge burst: limit 10 per 1 s, 10 requests at t = 0.990 s and 10 at t = 1.010 s', () => {
  it.each([
    ['fixed-window', 10, 10],
    ['sliding-log', 10, 0],
    ['sliding-counter', 10, 0],
  ] as const)('%s admits %i before the edge and %i after it', async (name, before, after) => {
    const { limiter, clock } = make(name, { limit: 10, windowMs: 1_000 });
    await clock.set(T0 + 990);
    expect(await burst(limiter, 'client', 10)).toBe(before);
    await clock.set(T0 + 1_010);
    expect(await burst(limiter, 'client', 10)).toBe(after);
  });

  it('fixed window therefore lets 2 x limit through within 20 ms, the sliding limiters exactly the limit', async () => {
    const admitted: Record<string, number> = {};
    for (const name of Object.keys(factories) as Name[]) {
      const { limiter, clock } = make(name, { limit: 10, windowMs: 1_000 });
      await clock.set(T0 + 990);
      let total = await burst(limiter, 'client', 10);
      await clock.set(T0 + 1_010);
      total += await burst(limiter, 'client', 10);
      admitted[name] = total;
    }
    expect(admitted).toEqual({ 'sliding-log': 10, 'sliding-counter': 10, 'fixed-window': 20 });
  });
});

describe('sliding log', () => {
  it('admits again exactly one window after the entries it holds, not before', async () => {
    const { limiter, clock } = make('sliding-log', { limit: 10, windowMs: 1_000 });
    await clock.set(T0 + 990);
    expect(await burst(limiter, 'c', 10)).toBe(10);
    await clock.set(T0 + 1_989);
    expect(await burst(limiter, 'c', 1)).toBe(0);
    await clock.set(T0 + 1_990);
    expect(await burst(limiter, 'c', 12)).toBe(10);
  });

  it('reports remaining, an exact retry-after and the reset time', async () => {
    const { limiter, clock } = make('sliding-log', { limit: 3, windowMs: 1_000 });
    const at = async (ms: number) => {
      await clock.set(T0 + ms);
      return limiter.consume('c');
    };
    expect(await at(100)).toEqual({ allowed: true, limit: 3, remaining: 2, retryAfterMs: 0, resetMs: 1_000 });
    expect(await at(400)).toEqual({ allowed: true, limit: 3, remaining: 1, retryAfterMs: 0, resetMs: 1_000 });
    expect(await at(700)).toEqual({ allowed: true, limit: 3, remaining: 0, retryAfterMs: 0, resetMs: 1_000 });
    // The entry from t=100 leaves the window at t=1100; the last one at t=1700.
    expect(await at(800)).toEqual({ allowed: false, limit: 3, remaining: 0, retryAfterMs: 300, resetMs: 900 });
    expect((await at(1_099)).allowed).toBe(false);
    expect(await at(1_100)).toEqual({ allowed: true, limit: 3, remaining: 0, retryAfterMs: 0, resetMs: 1_000 });
  });

  it('counts cost units and waits for as many old entries as the cost needs', async () => {
    const { limiter, clock } = make('sliding-log', { limit: 10, windowMs: 1_000 });
    await clock.set(T0);
    expect(await limiter.consume('c', 4)).toMatchObject({ allowed: true, remaining: 6 });
    await clock.set(T0 + 100);
    expect(await limiter.consume('c', 4)).toMatchObject({ allowed: true, remaining: 2 });
    await clock.set(T0 + 200);
    // 8 used, 4 wanted: 2 entries must leave, both were admitted at T0 -> retry at T0 + 1000.
    expect(await limiter.consume('c', 4)).toEqual({
      allowed: false,
      limit: 10,
      remaining: 2,
      retryAfterMs: 800,
      resetMs: 900,
    });
    expect(await limiter.consume('c', 2)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('does not record denied requests: hammering while blocked does not extend the block', async () => {
    const { limiter, clock } = make('sliding-log', { limit: 2, windowMs: 1_000 });
    await clock.set(T0);
    expect(await burst(limiter, 'c', 2)).toBe(2);
    await clock.set(T0 + 500);
    expect(await burst(limiter, 'c', 50)).toBe(0);
    await clock.set(T0 + 1_000);
    expect(await burst(limiter, 'c', 3)).toBe(2);
  });

  it('stores the log with a TTL of one window, so idle clients cost no memory', async () => {
    const { limiter, clock } = make('sliding-log', { limit: 5, windowMs: 60_000, prefix: 'ttl' });
    await clock.set(T0);
    await limiter.consume('idle');
    const ttl = await redis.pttl('ttl:sliding-log:{idle}');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await redis.zcard('ttl:sliding-log:{idle}')).toBe(1);
  });
});

describe('sliding window counter', () => {
  it('weights the previous window by its share still inside the sliding window, with an exact retry-after', async () => {
    const { limiter, clock } = make('sliding-counter', { limit: 10, windowMs: 1_000 });
    await clock.set(T0 + 990);
    expect(await burst(limiter, 'c', 10)).toBe(10);
    await clock.set(T0 + 1_010);
    // estimate = 10 x 990/1000 = 9.9; one more would be 10.9 > 10. Passes once 10 x (1000 - e)/1000 <= 9, e >= 100.
    expect(await limiter.consume('c')).toEqual({
      allowed: false,
      limit: 10,
      remaining: 0,
      retryAfterMs: 90,
      resetMs: 990,
    });
    await clock.set(T0 + 1_099);
    expect((await limiter.consume('c')).allowed).toBe(false);
    await clock.set(T0 + 1_100);
    expect(await limiter.consume('c')).toEqual({
      allowed: true,
      limit: 10,
      remaining: 0,
      retryAfterMs: 0,
      resetMs: 1_900,
    });
  });

  it('is an approximation: half a window after a burst at the end of the previous window it admits half the limit again', async () => {
    // The previous window's 10 requests all came at its end, but the counter assumes they were spread
    // evenly: at t = 1.5 s it counts 5 of them, so 5 more pass -> 15 within (0.5 s, 1.5 s]. The log admits 0.
    const counter = make('sliding-counter', { limit: 10, windowMs: 1_000 });
    const log = make('sliding-log', { limit: 10, windowMs: 1_000 });
    for (const { limiter, clock } of [counter, log]) {
      await clock.set(T0 + 990);
      expect(await burst(limiter, 'c', 10)).toBe(10);
      await clock.set(T0 + 1_500);
    }
    expect(await burst(counter.limiter, 'c', 10)).toBe(5);
    expect(await burst(log.limiter, 'c', 10)).toBe(0);
  });

  it('waits into the next window when the current window alone is full', async () => {
    const { limiter, clock } = make('sliding-counter', { limit: 4, windowMs: 1_000 });
    await clock.set(T0 + 200);
    expect(await burst(limiter, 'c', 4)).toBe(4);
    await clock.set(T0 + 600);
    // Next window: 4 x (1000 - e)/1000 + 1 <= 4 -> e >= 250, i.e. t = 1250: 650 ms from now.
    const denied = await limiter.consume('c');
    expect(denied).toEqual({ allowed: false, limit: 4, remaining: 0, retryAfterMs: 650, resetMs: 1_400 });
    await clock.set(T0 + 1_249);
    expect((await limiter.consume('c')).allowed).toBe(false);
    await clock.set(T0 + 1_250);
    expect((await limiter.consume('c')).allowed).toBe(true);
  });
});

describe('fixed window', () => {
  it('resets at the window edge: retry-after is the time to the edge', async () => {
    const { limiter, clock } = make('fixed-window', { limit: 2, windowMs: 1_000 });
    await clock.set(T0 + 300);
    expect(await limiter.consume('c')).toEqual({
      allowed: true,
      limit: 2,
      remaining: 1,
      retryAfterMs: 0,
      resetMs: 700,
    });
    expect(await limiter.consume('c')).toEqual({
      allowed: true,
      limit: 2,
      remaining: 0,
      retryAfterMs: 0,
      resetMs: 700,
    });
    await clock.set(T0 + 995);
    expect(await limiter.consume('c')).toEqual({ allowed: false, limit: 2, remaining: 0, retryAfterMs: 5, resetMs: 5 });
    await clock.set(T0 + 1_000);
    expect(await limiter.consume('c')).toEqual({
      allowed: true,
      limit: 2,
      remaining: 1,
      retryAfterMs: 0,
      resetMs: 1_000,
    });
  });
});

describe.each(Object.keys(factories) as Name[])('%s', (name) => {
  it('retry-after is exact: denied 1 ms before it, admitted at it', async () => {
    const { limiter, clock } = make(name, { limit: 5, windowMs: 1_000 });
    for (const [ms, count] of [
      [T0 + 100, 2],
      [T0 + 450, 3],
    ] as const) {
      await clock.set(ms);
      expect(await burst(limiter, 'c', count)).toBe(count);
    }
    await clock.set(T0 + 700);
    const denied = await limiter.consume('c');
    expect(denied.allowed).toBe(false);
    expect(denied.retryAfterMs).toBeGreaterThan(0);
    await clock.set(T0 + 700 + denied.retryAfterMs - 1);
    expect((await limiter.consume('c')).allowed).toBe(false);
    await clock.set(T0 + 700 + denied.retryAfterMs);
    expect((await limiter.consume('c')).allowed).toBe(true);
  });

  it('keeps keys independent: an exhausted client does not slow down another', async () => {
    const { limiter, clock } = make(name, { limit: 3, windowMs: 1_000 });
    await clock.set(T0 + 10);
    expect(await burst(limiter, 'alice', 5)).toBe(3);
    expect(await limiter.consume('bob')).toMatchObject({ allowed: true, remaining: 2 });
    expect(await limiter.consume('alice')).toMatchObject({ allowed: false, remaining: 0 });
  });

  it('reset(key) gives the key its full limit back', async () => {
    const { limiter, clock } = make(name, { limit: 3, windowMs: 1_000 });
    await clock.set(T0 + 10);
    expect(await burst(limiter, 'c', 3)).toBe(3);
    await limiter.reset('c');
    expect(await limiter.consume('c')).toMatchObject({ allowed: true, remaining: 2 });
  });
});

it('keeps limiters of different algorithms apart even with the same prefix and key', async () => {
  const clock = fakeClock(T0 + 10);
  const limiters: RateLimiter[] = [slidingWindowLog, slidingWindowCounter, fixedWindow].map((f) =>
    f({ redis, clock, limit: 2, windowMs: 1_000, prefix: 'shared' }),
  );
  for (const l of limiters) expect(await burst(l, 'same', 3)).toBe(2);
});
