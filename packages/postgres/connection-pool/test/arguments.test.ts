// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { postgresDatabase, type PostgresDatabase } from '@poc/harness/services';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PoolArgumentError, createAccounts, isPoolError, meteredPool, type MeteredPool } from '../src/index.ts';
import { connectPerRequest } from '../src/naive.ts';

let pool: pg.Pool;
let subject: MeteredPool;
let db: PostgresDatabase;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'pool_args' });
  pool = db.pool({ max: 2 });
  subject = meteredPool(pool);
});
afterAll(() => db?.close());

const cases: Array<[string, () => unknown, string]> = [
  ['pool that is not a pg.Pool', () => meteredPool({} as never), 'pool must be a pg.Pool (got an object)'],
  ['options that are not an object', () => meteredPool(pool, 5 as never), 'options must be an object (got a number)'],
  [
    'acquireTimeoutMs of 0',
    () => meteredPool(pool, { acquireTimeoutMs: 0 }),
    'options.acquireTimeoutMs must be a positive integer (got 0)',
  ],
  [
    'fractional acquireTimeoutMs',
    () => meteredPool(pool, { acquireTimeoutMs: 1.5 }),
    'options.acquireTimeoutMs must be a positive integer (got 1.5)',
  ],
  [
    'sampleSize that is not a number',
    () => meteredPool(pool, { sampleSize: '10' as never }),
    'options.sampleSize must be a positive integer (got "10")',
  ],
  [
    'clock that is not a Clock',
    () => meteredPool(pool, { clock: {} as never }),
    'options.clock must be a Clock (got an object)',
  ],
  [
    'pool whose max is not a positive integer',
    () => meteredPool(Object.assign(Object.create(pool) as pg.Pool, { options: { max: 0 } })),
    'pool.options.max must be a positive integer (got 0)',
  ],
  [
    'signal that is not an AbortSignal',
    () => subject.acquire({ signal: 'stop' as never }),
    'signal must be an AbortSignal (got a string)',
  ],
  [
    'acquire options that are not an object',
    () => subject.acquire(1 as never),
    'options must be an object (got a number)',
  ],
  ['empty query text', () => subject.query(''), 'text must be a non-empty string (got "")'],
  [
    'values that are not an array',
    () => subject.query('SELECT 1', 1 as never),
    'values must be an array (got a number)',
  ],
  ['zero rows to generate', () => createAccounts(pool, { rows: 0 }), 'options.rows must be a positive integer (got 0)'],
  [
    'negative seed',
    () => createAccounts(pool, { rows: 1, seed: -1 }),
    'options.seed must be a non-negative integer (got -1)',
  ],
  [
    'naive version without a config',
    () => connectPerRequest(undefined as never),
    'config must be a pg.ClientConfig (got undefined)',
  ],
  ['naive version with empty text', () => connectPerRequest({}).query(''), 'text must be a non-empty string (got "")'],
];

describe('bad arguments', () => {
  it.each(cases)('rejects %s with an error naming the argument and the rule', async (_what, call, message) => {
    const err = await Promise.resolve()
      .then(call)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(PoolArgumentError);
    expect(isPoolError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });

  it('checks before connecting: a bad acquire leaves the pool untouched', async () => {
    await subject.acquire({ signal: 1 as never }).catch(() => undefined);
    expect(subject.stats()).toMatchObject({ total: 0, acquired: 0 });
  });
});
