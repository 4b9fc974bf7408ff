// Bad input gets a clear, typed error that names the argument and the rule, with the exact message: one
// row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LruArgumentError,
  cachedLoader,
  isLruError,
  lru,
  redisTrace,
  scanHeavyTrace,
  seededRandom,
  zipfTrace,
} from '../src/index.ts';
import { naiveLru } from '../src/naive.ts';

let redis: Redis;
let redisNs: RedisNamespace;
beforeAll(async () => {
  redisNs = await redisNamespace({ name: 'lru_args' });
  redis = redisNs.client();
});
afterAll(() => redisNs?.close());

const loader = async (key: string): Promise<string> => key;

const cases: Array<[string, () => unknown, string]> = [
  ['missing options', () => lru(undefined as never), 'options must be an object (got undefined)'],
  ['capacity 0', () => lru({ capacity: 0 }), 'options.capacity must be a positive integer (got 0)'],
  ['fractional capacity', () => lru({ capacity: 1.5 }), 'options.capacity must be a positive integer (got 1.5)'],
  [
    'onEvict that is not a function',
    () => lru({ capacity: 1, onEvict: 'x' as never }),
    'options.onEvict must be a function (got a string)',
  ],
  ['capacity 0, naive version', () => naiveLru({ capacity: 0 }), 'options.capacity must be a positive integer (got 0)'],
  [
    'loader that is not a function',
    () => cachedLoader(42 as never, { cache: lru({ capacity: 1 }) }),
    'loader must be a function (got a number)',
  ],
  [
    'cache that is not a Cache',
    () => cachedLoader(loader, { cache: {} as never }),
    'options.cache must be a Cache (got an object)',
  ],
  [
    'empty key',
    () => cachedLoader(loader, { cache: lru({ capacity: 1 }) }).get(''),
    'key must be a non-empty string (got "")',
  ],
  [
    'signal that is not an AbortSignal',
    () => cachedLoader(loader, { cache: lru({ capacity: 1 }) }).get('a', { signal: 'stop' as never }),
    'signal must be an AbortSignal (got a string)',
  ],
  [
    'redis that is not a client',
    () => redisTrace({} as never, { prefix: 'p' }),
    'redis must be an ioredis client (got an object)',
  ],
  ['empty prefix', () => redisTrace(redis, { prefix: '' }), 'options.prefix must be a non-empty string (got "")'],
  [
    'valueBytes 0',
    () => redisTrace(redis, { prefix: 'p', valueBytes: 0 }),
    'options.valueBytes must be a positive integer (got 0)',
  ],
  [
    'batch -1',
    () => redisTrace(redis, { prefix: 'p', batch: -1 }),
    'options.batch must be a positive integer (got -1)',
  ],
  [
    'replay signal that is not an AbortSignal',
    () => redisTrace(redis, { prefix: 'p' }).replay([1], { signal: 1 as never }),
    'signal must be an AbortSignal (got a number)',
  ],
  ['seed that is not an integer', () => seededRandom(0.5), 'seed must be an integer (got 0.5)'],
  ['zipf keys 0', () => zipfTrace({ keys: 0, length: 1 }), 'keys must be a positive integer (got 0)'],
  ['zipf length -1', () => zipfTrace({ keys: 1, length: -1 }), 'length must be a non-negative integer (got -1)'],
  ['zipf skew 3', () => zipfTrace({ keys: 1, length: 1, skew: 3 }), 'skew must be a number from 0.5 to 2 (got 3)'],
  [
    'scan every 0',
    () => scanHeavyTrace({ keys: 1, length: 1, every: 0, scanLength: 1 }),
    'every must be a positive integer (got 0)',
  ],
];

describe('bad arguments', () => {
  it.each(cases)('rejects %s with an error naming the argument and the rule', async (_what, call, message) => {
    const err = await Promise.resolve()
      .then(call)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(LruArgumentError);
    expect(isLruError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
