import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, type Clock } from '@poc/kit';
import {
  RateLimitArgumentError,
  fixedWindow,
  isRateLimitError,
  slidingWindowCounter,
  slidingWindowLog,
  type LimiterOptions,
} from '../src/index.ts';
import { naiveSlidingWindowLog } from '../src/naive.ts';

let ns: RedisNamespace;
let redis: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'ratelimitargs' });
  redis = ns.client();
});
afterAll(() => ns?.close());

const ok = (): LimiterOptions => ({ redis, limit: 10, windowMs: 1_000 });
// Casts stand for callers without TypeScript (or with `any`): the runtime checks are what this tests.
const cases: Array<[string, () => unknown, string]> = [
  ['limit 0', () => slidingWindowLog({ ...ok(), limit: 0 }), 'limit must be a positive integer (got 0)'],
  ['negative limit', () => slidingWindowCounter({ ...ok(), limit: -3 }), 'limit must be a positive integer (got -3)'],
  ['fractional limit', () => fixedWindow({ ...ok(), limit: 2.5 }), 'limit must be a positive integer (got 2.5)'],
  [
    'limit as a string',
    () => slidingWindowLog({ ...ok(), limit: '10' as unknown as number }),
    'limit must be a positive integer (got "10")',
  ],
  ['windowMs 0', () => slidingWindowLog({ ...ok(), windowMs: 0 }), 'windowMs must be a positive integer (got 0)'],
  [
    'negative windowMs',
    () => fixedWindow({ ...ok(), windowMs: -1_000 }),
    'windowMs must be a positive integer (got -1000)',
  ],
  [
    'NaN windowMs',
    () => slidingWindowCounter({ ...ok(), windowMs: Number.NaN }),
    'windowMs must be a positive integer (got NaN)',
  ],
  [
    'missing options',
    () => slidingWindowLog(undefined as unknown as LimiterOptions),
    'options must be an object { redis, limit, windowMs } (got undefined)',
  ],
  [
    'not an ioredis client',
    () => slidingWindowLog({ ...ok(), redis: {} as Redis }),
    'redis must be an ioredis client (got an object)',
  ],
  [
    'clock without now()',
    () => slidingWindowLog({ ...ok(), clock: {} as Clock }),
    'clock must be an object with now(): number (got an object)',
  ],
  ['empty prefix', () => fixedWindow({ ...ok(), prefix: '' }), 'prefix must be a non-empty string (got "")'],
  ['empty key', () => slidingWindowLog(ok()).consume(''), 'key must be a non-empty string (got "")'],
  [
    'key that is not a string',
    () => slidingWindowCounter(ok()).consume(42 as unknown as string),
    'key must be a non-empty string (got 42)',
  ],
  ['cost 0', () => fixedWindow(ok()).consume('k', 0), 'cost must be a positive integer (got 0)'],
  ['fractional cost', () => slidingWindowLog(ok()).consume('k', 1.5), 'cost must be a positive integer (got 1.5)'],
  [
    'cost above the limit',
    () => slidingWindowCounter(ok()).consume('k', 11),
    'cost must not exceed limit (10), or it could never be admitted (got 11)',
  ],
  [
    'clock returning a fraction',
    () => slidingWindowLog({ ...ok(), clock: new ManualClock(1.5) }).consume('k'),
    'clock.now() must return a non-negative integer of ms (got 1.5)',
  ],
  [
    'clock returning a negative time',
    () => fixedWindow({ ...ok(), clock: new ManualClock(-1) }).consume('k'),
    'clock.now() must return a non-negative integer of ms (got -1)',
  ],
  ['empty key for reset', () => slidingWindowLog(ok()).reset(''), 'key must be a non-empty string (got "")'],
  [
    'cost above the limit, naive log',
    () => naiveSlidingWindowLog(ok()).consume('k', 11),
    'cost must not exceed limit (10), or it could never be admitted (got 11)',
  ],
];

describe('bad arguments', () => {
  it.each(cases)(
    'rejects %s with RateLimitArgumentError naming the argument and the rule',
    async (_what, call, message) => {
      const err = await Promise.resolve()
        .then(call)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(RateLimitArgumentError);
      expect(isRateLimitError(err)).toBe(true);
      expect(isRateLimitError(err, 'argument')).toBe(true);
      expect(isRateLimitError(err, 'service')).toBe(false);
      expect((err as Error).name).toBe('RateLimitArgumentError');
      expect((err as Error).message).toBe(message);
    },
  );

  it('writes nothing to Redis when an argument is rejected', async () => {
    // keyPrefix does not apply to KEYS patterns, so the pattern names the suite's prefix itself.
    expect(await redis.keys(`${ns.prefix}*`)).toEqual([]);
  });

  it("guards answer false for errors that are not the package's", () => {
    expect(isRateLimitError(new Error('x'))).toBe(false);
    expect(isRateLimitError(null)).toBe(false);
    expect(isRateLimitError('RateLimitArgumentError')).toBe(false);
  });
});
