// Bad input gets a clear, typed error that names the argument and the rule, with the exact message: one
// row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefreshAheadArgumentError, isRefreshAheadError, refreshAhead } from '../src/index.ts';
import { plainTtlCache } from '../src/naive.ts';

let ns: RedisNamespace;
let redis: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'refresh_ahead_args' });
  redis = ns.client();
});
afterAll(() => ns?.close());

const loader = (key: string): Promise<string> => Promise.resolve(key);
const ok = () => ({ redis, ttlMs: 1_000 });
const cache = () => refreshAhead(loader, ok());

const cases: Array<[string, () => unknown, string]> = [
  [
    'a loader that is not a function',
    () => refreshAhead('sql' as never, ok()),
    'loader must be a function (got a string)',
  ],
  ['missing options', () => refreshAhead(loader, undefined as never), 'options must be an object (got undefined)'],
  [
    'redis that is not a client',
    () => refreshAhead(loader, { ...ok(), redis: {} as never }),
    'options.redis must be an ioredis client (got an object)',
  ],
  ['a ttl of 0', () => refreshAhead(loader, { ...ok(), ttlMs: 0 }), 'options.ttlMs must be a positive integer (got 0)'],
  [
    'a fractional ttl',
    () => refreshAhead(loader, { ...ok(), ttlMs: 1.5 }),
    'options.ttlMs must be a positive integer (got 1.5)',
  ],
  [
    'a keyPrefix that is not a string',
    () => refreshAhead(loader, { ...ok(), keyPrefix: 7 as never }),
    'options.keyPrefix must be a string (got 7)',
  ],
  [
    'a clock that is not a Clock',
    () => refreshAhead(loader, { ...ok(), clock: {} as never }),
    'options.clock must be a Clock (got an object)',
  ],
  [
    'a refreshAhead of 0',
    () => refreshAhead(loader, { ...ok(), refreshAhead: 0 }),
    'options.refreshAhead must be a number between 0 and 1 (exclusive) (got 0)',
  ],
  [
    'a refreshAhead of 1 (every hit would reload)',
    () => refreshAhead(loader, { ...ok(), refreshAhead: 1 }),
    'options.refreshAhead must be a number between 0 and 1 (exclusive) (got 1)',
  ],
  [
    'a refreshAhead that is not a number',
    () => refreshAhead(loader, { ...ok(), refreshAhead: '10%' as never }),
    'options.refreshAhead must be a number between 0 and 1 (exclusive) (got "10%")',
  ],
  [
    'an onRefreshError that is not a function',
    () => refreshAhead(loader, { ...ok(), onRefreshError: 'log' as never }),
    'options.onRefreshError must be a function (got a string)',
  ],
  ['an empty key', () => cache().get(''), 'key must be a non-empty string (got "")'],
  ['a key that is not a string', () => cache().read(42 as never), 'key must be a non-empty string (got 42)'],
  [
    'options that are not an object',
    () => cache().get('k', 'fast' as never),
    'options must be an object (got a string)',
  ],
  [
    'a signal that is not an AbortSignal',
    () => cache().get('k', { signal: 'stop' as never }),
    'options.signal must be an AbortSignal (got a string)',
  ],
  [
    'a ttl of 0, plain TTL cache',
    () => plainTtlCache(loader, { ...ok(), ttlMs: 0 }),
    'options.ttlMs must be a positive integer (got 0)',
  ],
  [
    'an empty key, plain TTL cache',
    () => plainTtlCache(loader, ok()).get(''),
    'key must be a non-empty string (got "")',
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
    expect(err).toBeInstanceOf(RefreshAheadArgumentError);
    expect(isRefreshAheadError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
