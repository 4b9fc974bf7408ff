// Bad input gets a clear, typed error that names the argument and the rule, with the exact message.
// `as never` stands for callers without TypeScript (or with `any`).
import { redisNamespace, type RedisNamespace } from '@poc/harness';
import { ManualClock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TtlEvictionArgumentError,
  isTtlEvictionError,
  loadMeter,
  setMemoryPolicy,
  ttlCache,
  type TtlCache,
} from '../src/index.ts';
import { fixedTtlCache } from '../src/naive.ts';

let redis: Redis;
let redisNs: RedisNamespace;
let subject: TtlCache<number>;
const load = async (): Promise<number> => 1;
const ok = { name: 'x', ttlMs: 1_000, jitter: 0.1 };
beforeAll(async () => {
  redisNs = await redisNamespace({ name: 'ttl_eviction_args' });
  redis = redisNs.client();
  subject = ttlCache(redis, load, ok);
});
afterAll(() => redisNs?.close());

const cases: Array<[string, () => unknown, string]> = [
  [
    'redis that is not a client',
    () => ttlCache({} as never, load, ok),
    'redis must be an ioredis client (got an object)',
  ],
  [
    'loader that is not a function',
    () => ttlCache(redis, 'sql' as never, ok),
    'loader must be a function (got a string)',
  ],
  ['missing options', () => ttlCache(redis, load, undefined as never), 'options must be an object (got undefined)'],
  ['empty name', () => ttlCache(redis, load, { ...ok, name: '' }), 'options.name must be a non-empty string (got "")'],
  ['ttlMs zero', () => ttlCache(redis, load, { ...ok, ttlMs: 0 }), 'options.ttlMs must be a positive integer (got 0)'],
  [
    'ttlMs fractional',
    () => ttlCache(redis, load, { ...ok, ttlMs: 1.5 }),
    'options.ttlMs must be a positive integer (got 1.5)',
  ],
  [
    'jitter above 0.9',
    () => ttlCache(redis, load, { ...ok, jitter: 1 }),
    'options.jitter must be a number from 0 to 0.9 (got 1)',
  ],
  [
    'jitter negative',
    () => ttlCache(redis, load, { ...ok, jitter: -0.1 }),
    'options.jitter must be a number from 0 to 0.9 (got -0.1)',
  ],
  [
    'jitter missing',
    () => ttlCache(redis, load, { name: 'x', ttlMs: 1 } as never),
    'options.jitter must be a number from 0 to 0.9 (got undefined)',
  ],
  [
    'clock that is not a Clock',
    () => ttlCache(redis, load, { ...ok, clock: {} as never }),
    'options.clock must be a Clock (got an object)',
  ],
  [
    'random that is not a function',
    () => ttlCache(redis, load, { ...ok, random: 0.5 as never }),
    'options.random must be a function (got a number)',
  ],
  ['empty key', () => subject.get(''), 'key must be a non-empty string (got "")'],
  ['key that is not a string', () => subject.get(7 as never), 'key must be a non-empty string (got 7)'],
  [
    'signal that is not an AbortSignal',
    () => subject.get('k', { signal: 'stop' as never }),
    'options.signal must be an AbortSignal (got a string)',
  ],
  [
    'ttlMs missing, fixed-TTL version',
    () => fixedTtlCache(redis, load, { name: 'x' } as never),
    'options.ttlMs must be a positive integer (got undefined)',
  ],
  [
    'bucketMs zero',
    () => loadMeter(load, { clock: new ManualClock(), bucketMs: 0 }),
    'options.bucketMs must be a positive integer (got 0)',
  ],
  [
    'unknown policy',
    () => setMemoryPolicy(redis, '4mb', 'allkeys-random' as never),
    'policy must be one of "allkeys-lru", "allkeys-lfu", "volatile-ttl", "noeviction" (got "allkeys-random")',
  ],
  [
    'maxmemory without a unit rule',
    () => setMemoryPolicy(redis, 'lots', 'noeviction'),
    'maxmemory must be a size such as "2mb" (got "lots")',
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
    expect(err).toBeInstanceOf(TtlEvictionArgumentError);
    expect(isTtlEvictionError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });

  it('rejects an aborted signal before touching Redis or the loader', async () => {
    const err = await subject.get('k', { signal: AbortSignal.abort(new Error('stop')) }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('stop');
    expect(await redis.exists('x:k')).toBe(0);
  });
});
