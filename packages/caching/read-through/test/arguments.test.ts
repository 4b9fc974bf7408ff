// Bad input gets a clear, typed error that names the argument and the rule, with the exact message: one
// row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadThroughArgumentError, ReadThroughValueError, isReadThroughError, readThrough } from '../src/index.ts';
import { naiveReadThrough } from '../src/naive.ts';

let ns: RedisNamespace;
let redis: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'read_through_args' });
  redis = ns.client();
});
afterAll(() => ns?.close());

const loader = (key: string): Promise<string | null> => Promise.resolve(key);
const ok = () => ({ redis, ttlMs: 1_000 });

const cases: Array<[string, () => unknown, string]> = [
  [
    'a loader that is not a function',
    () => readThrough('SELECT 1' as never, ok()),
    'loader must be a function (got a string)',
  ],
  ['missing options', () => readThrough(loader, undefined as never), 'options must be an object (got undefined)'],
  [
    'redis that is not a client',
    () => readThrough(loader, { ...ok(), redis: {} as never }),
    'options.redis must be an ioredis client (got an object)',
  ],
  ['a ttl of 0', () => readThrough(loader, { ...ok(), ttlMs: 0 }), 'options.ttlMs must be a positive integer (got 0)'],
  [
    'a negative TTL longer than the TTL',
    () => readThrough(loader, { ...ok(), negativeTtlMs: 2_000 }),
    'options.negativeTtlMs must be an integer from 1 to 1000 (got 2000)',
  ],
  [
    'a negative TTL of 0',
    () => readThrough(loader, { ...ok(), negativeTtlMs: 0 }),
    'options.negativeTtlMs must be an integer from 1 to 1000 (got 0)',
  ],
  [
    'a keyPrefix that is not a string',
    () => readThrough(loader, { ...ok(), keyPrefix: null as never }),
    'options.keyPrefix must be a string (got null)',
  ],
  [
    'a clock that is not a Clock',
    () => readThrough(loader, { ...ok(), clock: Date as never }),
    'options.clock must be a Clock (got a function)',
  ],
  [
    'an onFallback that is not a function',
    () => readThrough(loader, { ...ok(), onFallback: 'log' as never }),
    'options.onFallback must be a function (got a string)',
  ],
  ['an empty key', () => readThrough(loader, ok()).get(''), 'key must be a non-empty string (got "")'],
  [
    'a key that is not a string',
    () => readThrough(loader, ok()).read(7 as never),
    'key must be a non-empty string (got 7)',
  ],
  [
    'a signal that is not an AbortSignal',
    () => readThrough(loader, ok()).get('k', { signal: {} as never }),
    'options.signal must be an AbortSignal (got an object)',
  ],
  [
    'an empty key to invalidate',
    () => readThrough(loader, ok()).invalidate(''),
    'key must be a non-empty string (got "")',
  ],
  [
    'the naive version with a ttl of 0',
    () => naiveReadThrough(loader, { ...ok(), ttlMs: 0 }),
    'options.ttlMs must be a positive integer (got 0)',
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
    expect(err).toBeInstanceOf(ReadThroughArgumentError);
    expect(isReadThroughError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });

  it('rejects a loader that returns undefined with a ReadThroughValueError, and stores nothing', async () => {
    const cache = readThrough(() => Promise.resolve(undefined as never), { ...ok(), keyPrefix: 'undef:' });
    const err = await cache.get('k').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReadThroughValueError);
    expect((err as Error).message).toBe('the loader returned undefined for "k"; return null for "there is none"');
    expect(await redis.exists('undef:k')).toBe(0);
  });
});
