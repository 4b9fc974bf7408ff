import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CounterArgumentError,
  CounterServiceError,
  counters,
  expiringCounters,
  isCounterError,
  sqlCounter,
} from '../src/index.ts';

let ns: RedisNamespace;
let redis: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'cntargs' });
  redis = ns.client();
});
afterAll(() => ns?.close());

const thrown = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
};

describe('bad arguments', () => {
  it('rejects increments that are not positive integers, before sending anything', async () => {
    const c = counters(redis);
    for (const [by, shown] of [
      [0, '0'],
      [-3, '-3'],
      [1.5, '1.5'],
      ['2', '"2"'],
      [Number.MAX_SAFE_INTEGER + 1, String(Number.MAX_SAFE_INTEGER + 1)],
    ] as const) {
      const err = await c.increment('n', by as number).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CounterArgumentError);
      expect((err as Error).message).toBe(`by must be a positive integer (got ${shown})`);
    }
    expect(await redis.exists('counter:n')).toBe(0);
  });

  it('rejects empty or non-string names', async () => {
    await expect(counters(redis).increment('')).rejects.toThrow(
      'name must be a non-empty string of at most 512 characters (got "")',
    );
    await expect(counters(redis).get(7 as unknown as string)).rejects.toThrow(
      'name must be a non-empty string of at most 512 characters (got 7)',
    );
    await expect(expiringCounters(redis, { windowMs: 1_000 }).increment('x'.repeat(513))).rejects.toThrow(
      CounterArgumentError,
    );
  });

  it('rejects a bad windowMs, client or prefix when the counter is made', () => {
    expect(thrown(() => expiringCounters(redis, { windowMs: -5 })).message).toBe(
      'windowMs must be a positive integer (got -5)',
    );
    expect(thrown(() => expiringCounters(redis, { windowMs: 0 })).message).toBe(
      'windowMs must be a positive integer (got 0)',
    );
    expect(thrown(() => expiringCounters(redis, undefined as never)).message).toBe(
      'options must be an object with windowMs (got undefined)',
    );
    expect(thrown(() => counters(undefined as unknown as Redis)).message).toBe(
      'redis must be an ioredis client (with incrby, get, del) (got undefined)',
    );
    expect(thrown(() => counters(redis, { keyPrefix: 5 as unknown as string })).message).toBe(
      'keyPrefix must be a string of at most 256 characters (got 5)',
    );
    const err = thrown(() => expiringCounters({} as Redis, { windowMs: 1_000 }));
    expect(err.message).toBe('redis must be an ioredis client (with evalsha, eval, get, pttl) (got an object)');
    expect(isCounterError(err, 'argument')).toBe(true);
    expect(isCounterError(err, 'service')).toBe(false);
    expect(err.name).toBe('CounterArgumentError');
  });

  it('rejects a bad SQL table name or pool', () => {
    expect(
      thrown(() => sqlCounter({ query: async () => ({}) } as unknown as pg.Pool, 'counters; DROP TABLE x')).message,
    ).toBe('table must be a lowercase SQL identifier (got "counters; DROP TABLE x")');
    expect(thrown(() => sqlCounter(null as unknown as pg.Pool)).message).toBe(
      'pool must be a pg Pool (with query) (got null)',
    );
  });
});

describe('Redis refusing the command', () => {
  it('surfaces "not an integer" as CounterServiceError when the key holds text', async () => {
    await redis.set('counter:label', 'hello');
    const err = await counters(redis)
      .increment('label')
      .catch((e: unknown) => e);
    expect(isCounterError(err, 'service')).toBe(true);
    expect(err).toBeInstanceOf(CounterServiceError);
    expect((err as Error).message).toBe(
      'incrementing "counter:label" failed: ERR value is not an integer or out of range',
    );
    expect(await redis.get('counter:label')).toBe('hello');
  });
});
