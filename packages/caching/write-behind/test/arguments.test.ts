// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { postgresDatabase, redisNamespace, type PostgresDatabase, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  WriteBehindArgumentError,
  createWriteBehindTable,
  durableWriteBehind,
  isWriteBehindError,
  writeBehind,
  zipfKeys,
} from '../src/index.ts';
import { writeThrough } from '../src/naive.ts';

let redis: Redis;
let pool: pg.Pool;
let redisNs: RedisNamespace;
let db: PostgresDatabase;
beforeAll(async () => {
  redisNs = await redisNamespace({ name: 'write_behind_args' });
  db = await postgresDatabase({ name: 'write_behind_args' });
  redis = redisNs.client();
  pool = db.pool();
});
afterAll(() => Promise.all([redisNs?.close(), db?.close()]));

const ok = () => ({ redis, pool, name: 'args', table: 'kv' });

const cases: Array<[string, () => unknown, string]> = [
  ['missing options', () => writeBehind(undefined as never), 'options must be an object (got undefined)'],
  [
    'redis that is not a client',
    () => writeBehind({ ...ok(), redis: {} as never }),
    'options.redis must be an ioredis client (got an object)',
  ],
  [
    'pool that is not a pool',
    () => writeThrough({ ...ok(), pool: 'pg' as never }),
    'options.pool must be a pg.Pool (got a string)',
  ],
  ['empty name', () => durableWriteBehind({ ...ok(), name: '' }), 'options.name must be a non-empty string (got "")'],
  [
    'a table name that is not an identifier',
    () => writeBehind({ ...ok(), table: 'kv; DROP TABLE x' }),
    'options.table must be a lower-case SQL identifier (got "kv; DROP TABLE x")',
  ],
  [
    'batchSize of 0',
    () => writeBehind({ ...ok(), batchSize: 0 }),
    'options.batchSize must be an integer from 1 to 100000 (got 0)',
  ],
  [
    'clock that is not a Clock',
    () => writeBehind({ ...ok(), clock: {} as never }),
    'options.clock must be a Clock (got an object)',
  ],
  [
    'beforeCommit that is not a function',
    () => writeBehind({ ...ok(), beforeCommit: 1 as never }),
    'options.beforeCommit must be a function (got a number)',
  ],
  [
    'empty group',
    () => durableWriteBehind({ ...ok(), group: '' }),
    'options.group must be a non-empty string (got "")',
  ],
  [
    'empty consumer',
    () => durableWriteBehind({ ...ok(), consumer: '' }),
    'options.consumer must be a non-empty string (got "")',
  ],
  [
    'an empty key',
    () => writeBehind(ok()).set('', 'v'),
    'key must be a non-empty string of at most 1024 characters (got "")',
  ],
  ['a value that is not a string', () => writeBehind(ok()).set('k', 5 as never), 'value must be a string (got 5)'],
  [
    'a signal that is not an AbortSignal',
    () => writeThrough(ok()).set('k', 'v', { signal: 'stop' as never }),
    'options.signal must be an AbortSignal (got a string)',
  ],
  [
    'a negative minIdleMs',
    () => durableWriteBehind(ok()).recover(-1),
    'minIdleMs must be a non-negative integer (got -1)',
  ],
  [
    'run without a signal',
    () => writeBehind(ok()).run(undefined as never),
    'signal must be an AbortSignal (got undefined)',
  ],
  [
    'a table name with capitals',
    () => createWriteBehindTable(pool, 'KV'),
    'table must be a lower-case SQL identifier (got "KV")',
  ],
  ['zipf keys of 0', () => zipfKeys({ seed: 1, keys: 0, count: 1 }), 'options.keys must be a positive integer (got 0)'],
];

describe('bad arguments', () => {
  it.each(cases)('rejects %s with an error naming the argument and the rule', async (_what, call, message) => {
    const err = await Promise.resolve()
      .then(call)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(WriteBehindArgumentError);
    expect(isWriteBehindError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
