// Bad input gets a clear, typed error that names the argument and the rule, with the exact message: one
// row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LfuArgumentError,
  cachedLoader,
  countMinSketch,
  isLfuError,
  lfu,
  loopTrace,
  redisTrace,
  scanTrace,
  wTinyLfu,
  zipfTrace,
} from '../src/index.ts';
import { naiveLfu } from '../src/naive.ts';

let redis: Redis;
let redisNs: RedisNamespace;
beforeAll(async () => {
  redisNs = await redisNamespace({ name: 'lfu_args' });
  redis = redisNs.client();
});
afterAll(() => redisNs?.close());

const cases: Array<[string, () => unknown, string]> = [
  ['missing options', () => lfu(undefined as never), 'options must be an object (got undefined)'],
  ['capacity 0', () => lfu({ capacity: 0 }), 'options.capacity must be a positive integer (got 0)'],
  ['halveEvery 0', () => lfu({ capacity: 1, halveEvery: 0 }), 'options.halveEvery must be a positive integer (got 0)'],
  ['capacity 0, naive version', () => naiveLfu({ capacity: 0 }), 'options.capacity must be a positive integer (got 0)'],
  [
    'W-TinyLFU capacity 1',
    () => wTinyLfu({ capacity: 1 }),
    'options.capacity must be an integer from 2 to 9007199254740991 (got 1)',
  ],
  [
    'windowPercent 60',
    () => wTinyLfu({ capacity: 10, windowPercent: 60 }),
    'options.windowPercent must be a number from 1 to 50 (got 60)',
  ],
  [
    'protectedPercent 100',
    () => wTinyLfu({ capacity: 10, protectedPercent: 100 }),
    'options.protectedPercent must be a number from 1 to 99 (got 100)',
  ],
  [
    'sampleFactor 0.5',
    () => wTinyLfu({ capacity: 10, sampleFactor: 0.5 }),
    'options.sampleFactor must be an integer from 1 to 100 (got 0.5)',
  ],
  [
    'sketch width 0',
    () => countMinSketch({ width: 0, sampleSize: 1 }),
    'options.width must be a positive integer (got 0)',
  ],
  [
    'sketch sampleSize -1',
    () => countMinSketch({ width: 1, sampleSize: -1 }),
    'options.sampleSize must be a positive integer (got -1)',
  ],
  [
    'loader that is not a function',
    () => cachedLoader(42 as never, { cache: lfu({ capacity: 1 }) }),
    'loader must be a function (got a number)',
  ],
  [
    'cache that is not a Cache',
    () => cachedLoader(async () => 1, { cache: {} as never }),
    'options.cache must be a Cache (got an object)',
  ],
  [
    'empty key',
    () => cachedLoader(async () => 1, { cache: lfu({ capacity: 1 }) }).get(''),
    'key must be a non-empty string (got "")',
  ],
  [
    'redis that is not a client',
    () => redisTrace({} as never, { prefix: 'p' }),
    'redis must be an ioredis client (got an object)',
  ],
  ['empty prefix', () => redisTrace(redis, { prefix: '' }), 'options.prefix must be a non-empty string (got "")'],
  [
    'replay signal that is not an AbortSignal',
    () => redisTrace(redis, { prefix: 'p' }).replay([1], { signal: 'stop' as never }),
    'signal must be an AbortSignal (got a string)',
  ],
  [
    'zipf skew 0.1',
    () => zipfTrace({ keys: 1, length: 1, skew: 0.1 }),
    'skew must be a number from 0.5 to 2 (got 0.1)',
  ],
  ['scan from -1', () => scanTrace(-1, 1), 'from must be a non-negative integer (got -1)'],
  ['loop over 0 keys', () => loopTrace(0, 1), 'keys must be a positive integer (got 0)'],
];

describe('bad arguments', () => {
  it.each(cases)('rejects %s with an error naming the argument and the rule', async (_what, call, message) => {
    const err = await Promise.resolve()
      .then(call)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(LfuArgumentError);
    expect(isLfuError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
