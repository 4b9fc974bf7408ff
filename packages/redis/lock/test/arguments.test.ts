import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockArgumentError, acquire, fencedStore, isLockError, tryAcquire, withLock, type Lock } from '../src/index.ts';
import { naiveAcquire } from '../src/naive.ts';

let ns: RedisNamespace;
let redis: Redis;
let held: Lock;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'lockargs' });
  redis = ns.client();
  held = await acquire(redis, 'held', { ttlMs: 60_000 });
});
afterAll(() => ns?.close());

const noop = async (): Promise<void> => {};
// Casts stand for callers without TypeScript (or with `any`): the runtime checks are what this tests.
const cases: Array<[string, () => unknown, string]> = [
  ['empty name', () => tryAcquire(redis, '', { ttlMs: 100 }), 'name must be a non-empty string (got "")'],
  ['negative TTL', () => tryAcquire(redis, 'x', { ttlMs: -5 }), 'ttlMs must be a positive integer (got -5)'],
  ['zero TTL', () => acquire(redis, 'x', { ttlMs: 0 }), 'ttlMs must be a positive integer (got 0)'],
  ['fractional TTL', () => acquire(redis, 'x', { ttlMs: 1.5 }), 'ttlMs must be a positive integer (got 1.5)'],
  [
    'TTL as a string',
    () => acquire(redis, 'x', { ttlMs: '100' as unknown as number }),
    'ttlMs must be a positive integer (got "100")',
  ],
  [
    'missing options',
    () => acquire(redis, 'x', undefined as unknown as { ttlMs: number }),
    'options must be an object with at least ttlMs (got undefined)',
  ],
  [
    'zero retry delay',
    () => acquire(redis, 'x', { ttlMs: 100, retryDelayMs: 0 }),
    'retryDelayMs must be a positive integer (got 0)',
  ],
  [
    'negative jitter',
    () => acquire(redis, 'x', { ttlMs: 100, retryJitterMs: -1 }),
    'retryJitterMs must be a non-negative integer (got -1)',
  ],
  [
    'negative acquire timeout',
    () => acquire(redis, 'x', { ttlMs: 100, acquireTimeoutMs: -1 }),
    'acquireTimeoutMs must be a non-negative integer (got -1)',
  ],
  [
    'signal that is not an AbortSignal',
    () => acquire(redis, 'x', { ttlMs: 100, signal: 'stop' as unknown as AbortSignal }),
    'signal must be an AbortSignal (got a string)',
  ],
  [
    'not an ioredis client',
    () => acquire({} as Redis, 'x', { ttlMs: 100 }),
    'redis must be an ioredis client (got an object)',
  ],
  [
    'extension interval not below the TTL',
    () => withLock(redis, 'x', { ttlMs: 300, extendEveryMs: 300 }, noop),
    'extendEveryMs must be less than ttlMs (300), or the lease runs out between extensions (got 300)',
  ],
  [
    'zero extension interval',
    () => withLock(redis, 'x', { ttlMs: 300, extendEveryMs: 0 }, noop),
    'extendEveryMs must be a positive integer (got 0)',
  ],
  [
    'work that is not a function',
    () => withLock(redis, 'x', { ttlMs: 300 }, 'work' as unknown as typeof noop),
    'work must be a function (signal, lock) => Promise (got a string)',
  ],
  ['zero TTL for extend', () => held.extend(0), 'ttlMs must be a positive integer (got 0)'],
  ['empty fenced store name', () => fencedStore(redis, ''), 'name must be a non-empty string (got "")'],
  ['zero fencing token', () => fencedStore(redis, 'store').write(0, 'v'), 'fence must be a positive integer (got 0)'],
  [
    'fractional fencing token',
    () => fencedStore(redis, 'store').write(2.5, 'v'),
    'fence must be a positive integer (got 2.5)',
  ],
  [
    'non-string value',
    () => fencedStore(redis, 'store').write(1, 42 as unknown as string),
    'value must be a string (got a number)',
  ],
  [
    'zero TTL for the naive lock',
    () => naiveAcquire(redis, 'x', { ttlMs: 0 }),
    'ttlMs must be a positive integer (got 0)',
  ],
];

describe('bad arguments', () => {
  it.each(cases)('rejects %s with LockArgumentError naming the argument and the rule', async (_what, call, message) => {
    const err = await Promise.resolve()
      .then(call)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(LockArgumentError);
    expect(isLockError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
    expect((err as Error).name).toBe('LockArgumentError');
  });

  it('writes nothing to Redis when an argument is rejected', async () => {
    // keyPrefix does not apply to KEYS patterns, so the pattern names the suite's prefix itself.
    expect((await redis.keys(`${ns.prefix}*`)).sort()).toEqual(
      ['lock:{held}', 'lock:{held}:fence'].map((k) => `${ns.prefix}${k}`),
    );
    expect(await redis.get('lock:{held}')).toBe(held.token);
  });
});
