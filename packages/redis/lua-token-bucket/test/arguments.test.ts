// Bad input gets a clear, typed error that names the argument and the rule, with the exact message: one row
// per rule. `as never` stands for callers without TypeScript (or with `any`): the runtime checks are what
// this tests. Nothing reaches Redis when an argument is rejected.
import { redisNamespace, type RedisNamespace } from '@poc/harness';
import { ManualClock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenBucketArgumentError, isTokenBucketError, tokenBucket, type TokenBucket } from '../src/index.ts';
import { naiveTokenBucket } from '../src/naive.ts';

let redis: Redis;
let bucket: TokenBucket;
let ns: RedisNamespace;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'token_bucket_args' });
  redis = ns.client();
  bucket = tokenBucket(redis, { name: 'args', capacity: 5, rate: { tokens: 1, perMs: 1_000 } });
});
afterAll(() => ns?.close());

const rate = { tokens: 1, perMs: 1_000 };
const cases: Array<[string, () => unknown, string]> = [
  [
    'redis that is not a client',
    () => tokenBucket({} as never, { name: 'x', capacity: 5, rate }),
    'redis must be an ioredis client (got an object)',
  ],
  [
    'missing options',
    () => tokenBucket(redis, undefined as never),
    'options must be an object { name, capacity, rate } (got undefined)',
  ],
  [
    'empty name',
    () => tokenBucket(redis, { name: '', capacity: 5, rate }),
    'options.name must be a non-empty string (got "")',
  ],
  [
    'name that is not a string',
    () => tokenBucket(redis, { name: 42 as never, capacity: 5, rate }),
    'options.name must be a non-empty string (got 42)',
  ],
  [
    'zero capacity',
    () => tokenBucket(redis, { name: 'x', capacity: 0, rate }),
    'options.capacity must be a positive integer (got 0)',
  ],
  [
    'fractional capacity',
    () => tokenBucket(redis, { name: 'x', capacity: 2.5, rate }),
    'options.capacity must be a positive integer (got 2.5)',
  ],
  [
    'capacity as a string',
    () => tokenBucket(redis, { name: 'x', capacity: '10' as never, rate }),
    'options.capacity must be a positive integer (got "10")',
  ],
  [
    'missing rate',
    () => tokenBucket(redis, { name: 'x', capacity: 5 } as never),
    'options.rate must be an object { tokens, perMs } (got undefined)',
  ],
  [
    'rate as a number',
    () => tokenBucket(redis, { name: 'x', capacity: 5, rate: 10 as never }),
    'options.rate must be an object { tokens, perMs } (got a number)',
  ],
  [
    'zero tokens in the rate',
    () => tokenBucket(redis, { name: 'x', capacity: 5, rate: { tokens: 0, perMs: 1_000 } }),
    'options.rate.tokens must be a positive integer (got 0)',
  ],
  [
    'fractional tokens in the rate',
    () => tokenBucket(redis, { name: 'x', capacity: 5, rate: { tokens: 0.5, perMs: 1_000 } }),
    'options.rate.tokens must be a positive integer (got 0.5)',
  ],
  [
    'negative period',
    () => tokenBucket(redis, { name: 'x', capacity: 5, rate: { tokens: 1, perMs: -1_000 } }),
    'options.rate.perMs must be a positive integer (got -1000)',
  ],
  [
    'a bucket too large for exact integer arithmetic',
    () => tokenBucket(redis, { name: 'x', capacity: 1_000, rate: { tokens: 1, perMs: 10_000_000_000 } }),
    'options.rate.perMs must be at most 9007199254 with capacity 1000 (capacity × perMs × 1000 µs must stay an exact integer) (got 10000000000)',
  ],
  [
    'clock that is not a Clock',
    () => tokenBucket(redis, { name: 'x', capacity: 5, rate, clock: {} as never }),
    'options.clock must be a Clock (got an object)',
  ],
  [
    'clock whose now() is not an integer of ms',
    () => tokenBucket(redis, { name: 'x', capacity: 5, rate, clock: { now: () => 1.5 } as never }).take('k'),
    'clock.now() must return a non-negative integer of ms (got 1.5)',
  ],
  ['empty key', () => bucket.take(''), 'key must be a non-empty string (got "")'],
  ['key that is not a string', () => bucket.take(7 as never), 'key must be a non-empty string (got 7)'],
  ['zero tokens taken', () => bucket.take('k', 0), 'n must be a positive integer (got 0)'],
  ['fractional tokens taken', () => bucket.take('k', 1.5), 'n must be a positive integer (got 1.5)'],
  [
    'more tokens than the capacity',
    () => bucket.take('k', 6),
    'n must not exceed capacity (5), or it could never be admitted (got 6)',
  ],
  [
    'signal that is not an AbortSignal',
    () => bucket.take('k', 1, 'stop' as never),
    'signal must be an AbortSignal (got a string)',
  ],
  ['empty key to reset', () => bucket.reset(''), 'key must be a non-empty string (got "")'],
  [
    'empty name, naive version',
    () => naiveTokenBucket(redis, { name: '', capacity: 5, rate }),
    'options.name must be a non-empty string (got "")',
  ],
  [
    'more tokens than the capacity, naive version',
    () => naiveTokenBucket(redis, { name: 'x', capacity: 5, rate, clock: new ManualClock() }).take('k', 6),
    'n must not exceed capacity (5), or it could never be admitted (got 6)',
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
    expect(err).toBeInstanceOf(TokenBucketArgumentError);
    expect(isTokenBucketError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
    expect((err as Error).name).toBe('TokenBucketArgumentError');
  });

  it('rejects a take whose signal has already aborted with the signal’s reason, and sends nothing', async () => {
    const reason = new Error('client went away');
    const err = await bucket.take('aborted', 1, AbortSignal.abort(reason)).catch((e: unknown) => e);
    expect(err).toBe(reason);
  });

  it('writes nothing to Redis when an argument is rejected', async () => {
    // keyPrefix does not apply to KEYS patterns, so the pattern names the suite's own prefix.
    expect(await redis.keys(`${ns.prefix}*`)).toEqual([]);
  });
});
