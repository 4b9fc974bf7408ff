import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CounterArgumentError, exactSet, hyperLogLog, isCounterError, type CounterOptions } from '../src/index.ts';

let ns: RedisNamespace;
let redis: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'hllargs' });
  redis = ns.client();
});
afterAll(() => ns?.close());

// Casts stand for callers without TypeScript (or with `any`): the runtime checks are what this tests.
const cases: Array<[string, () => unknown, string]> = [
  ['not an ioredis client', () => hyperLogLog({} as Redis), 'redis must be an ioredis client (got an object)'],
  [
    'options that are not an object',
    () => exactSet(redis, 5 as unknown as CounterOptions),
    'options must be an object (got a number)',
  ],
  [
    'zero batch size',
    () => hyperLogLog(redis, { batchSize: 0 }),
    'batchSize must be an integer from 1 to 100000 (got 0)',
  ],
  [
    'fractional batch size',
    () => hyperLogLog(redis, { batchSize: 2.5 }),
    'batchSize must be an integer from 1 to 100000 (got 2.5)',
  ],
  [
    'batch size above the cap',
    () => exactSet(redis, { batchSize: 100_001 }),
    'batchSize must be an integer from 1 to 100000 (got 100001)',
  ],
  ['empty key', () => hyperLogLog(redis).add('', ['a']), 'key must be a non-empty string (got "")'],
  [
    'items that are not an array',
    () => hyperLogLog(redis).add('k', 'abc' as unknown as string[]),
    'items must be an array of strings (got a string)',
  ],
  [
    'a number among the items',
    () => hyperLogLog(redis).add('k', ['a', 7 as unknown as string]),
    'items[1] must be a string (got 7)',
  ],
  ['no keys to count', () => hyperLogLog(redis).count(), 'keys must be a non-empty array of keys (got an array)'],
  ['an empty key to count', () => exactSet(redis).count('a', ''), 'keys[1] must be a non-empty string (got "")'],
  [
    'empty merge destination',
    () => hyperLogLog(redis).merge('', ['a']),
    'destination must be a non-empty string (got "")',
  ],
  [
    'no merge sources',
    () => hyperLogLog(redis).merge('week', []),
    'sources must be a non-empty array of keys (got an array)',
  ],
  [
    'sources as a string',
    () => exactSet(redis).merge('week', 'day:1' as unknown as string[]),
    'sources must be a non-empty array of keys (got a string)',
  ],
  ['empty key to measure', () => hyperLogLog(redis).memoryBytes(''), 'key must be a non-empty string (got "")'],
];

describe('bad arguments', () => {
  it.each(cases)(
    'rejects %s with CounterArgumentError naming the argument and the rule',
    async (_what, call, message) => {
      const err = await Promise.resolve()
        .then(call)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(CounterArgumentError);
      expect(isCounterError(err, 'argument')).toBe(true);
      expect((err as Error).name).toBe('CounterArgumentError');
      expect((err as Error).message).toBe(message);
    },
  );

  it('sends nothing for an empty batch and writes nothing for rejected input', async () => {
    expect(await hyperLogLog(redis).add('empty', [])).toEqual({ items: 0, commands: 0, changed: false });
    await hyperLogLog(redis)
      .add('k', ['a', 7 as unknown as string])
      .catch(() => {});
    // KEYS patterns are not prefixed by ioredis: look only under this suite's prefix, never server-wide.
    expect(await redis.keys(`${ns.prefix}*`)).toEqual([]);
  });
});
