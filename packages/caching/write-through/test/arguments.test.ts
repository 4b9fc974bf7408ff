// Bad input gets a clear, typed error that names the argument and the rule, with the exact message: one
// row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { postgresDatabase, redisNamespace, type PostgresDatabase, type RedisNamespace } from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  WriteThroughArgumentError,
  isWriteThroughError,
  writeThrough,
  type WriteThroughOptions,
} from '../src/index.ts';
import { naiveWriteThrough } from '../src/naive.ts';

let ns: RedisNamespace;
let db: PostgresDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  [ns, db] = await Promise.all([
    redisNamespace({ name: 'write_through_args' }),
    postgresDatabase({ name: 'write_through_args' }),
  ]);
  pool = db.pool();
});
afterAll(() => Promise.all([ns?.close(), db?.close()]));

const ok = (): WriteThroughOptions<number> => ({
  redis: ns.client(),
  pool,
  write: () => Promise.resolve(),
  load: () => Promise.resolve(1),
  ttlMs: 1_000,
  onCacheFailure: 'invalidate',
});
const cache = () => writeThrough(ok());

const cases: Array<[string, () => unknown, string]> = [
  ['missing options', () => writeThrough(undefined as never), 'options must be an object (got undefined)'],
  [
    'redis that is not a client',
    () => writeThrough({ ...ok(), redis: {} as never }),
    'options.redis must be an ioredis client (got an object)',
  ],
  [
    'pool that is not a pg.Pool',
    () => writeThrough({ ...ok(), pool: 'pg' as never }),
    'options.pool must be a pg.Pool (got a string)',
  ],
  [
    'a write that is not a function',
    () => writeThrough({ ...ok(), write: 'UPDATE' as never }),
    'options.write must be a function (got a string)',
  ],
  [
    'a load that is not a function',
    () => writeThrough({ ...ok(), load: undefined as never }),
    'options.load must be a function (got undefined)',
  ],
  ['a ttl of 0', () => writeThrough({ ...ok(), ttlMs: 0 }), 'options.ttlMs must be a positive integer (got 0)'],
  [
    'a fractional ttl',
    () => writeThrough({ ...ok(), ttlMs: 2.5 }),
    'options.ttlMs must be a positive integer (got 2.5)',
  ],
  [
    'an unknown strategy',
    () => writeThrough({ ...ok(), onCacheFailure: 'retry' as never }),
    'options.onCacheFailure must be one of "compensate", "invalidate" (got "retry")',
  ],
  [
    'a keyPrefix that is not a string',
    () => writeThrough({ ...ok(), keyPrefix: 3 as never }),
    'options.keyPrefix must be a string (got 3)',
  ],
  [
    'a clock that is not a Clock',
    () => writeThrough({ ...ok(), clock: {} as never }),
    'options.clock must be a Clock (got an object)',
  ],
  [
    'an onCacheError that is not a function',
    () => writeThrough({ ...ok(), onCacheError: 'log' as never }),
    'options.onCacheError must be a function (got a string)',
  ],
  ['an empty key', () => cache().set('', 1), 'key must be a non-empty string (got "")'],
  ['a key that is not a string', () => cache().get(7 as never), 'key must be a non-empty string (got 7)'],
  [
    'an undefined value',
    () => cache().set('k', undefined as never),
    'value must not be undefined (null stores "there is none") (got undefined)',
  ],
  [
    'options that are not an object',
    () => cache().get('k', 'now' as never),
    'options must be an object (got a string)',
  ],
  [
    'a signal that is not an AbortSignal',
    () => cache().set('k', 1, { signal: 'stop' as never }),
    'options.signal must be an AbortSignal (got a string)',
  ],
  [
    'a ttl of 0, naive version',
    () => naiveWriteThrough({ ...ok(), ttlMs: 0 }),
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
    expect(err).toBeInstanceOf(WriteThroughArgumentError);
    expect(isWriteThroughError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
