// Bad input gets a clear, typed error that names the argument and the rule, with the exact message: one
// row per rule. `as never` stands for callers without TypeScript (or with `any`). Nothing here reaches
// the server: every check runs before the first statement.
import { postgresDatabase, type PostgresDatabase } from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BtreeIndexArgumentError,
  EPOCH,
  explainPlan,
  isBtreeIndexError,
  ordersTable,
  type OrdersTable,
} from '../src/index.ts';
import { naiveOrderQueries } from '../src/naive.ts';

let db: PostgresDatabase;
let pool: pg.Pool;
let orders: OrdersTable;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'btree_index_args' }); // a database of its own
  pool = db.pool();
  orders = ordersTable(pool, { table: 'orders' });
});
afterAll(async () => {
  await pool?.end();
  await db?.close();
});

const later = new Date(EPOCH.getTime() + 1_000);
const cases: Array<[string, () => unknown, string]> = [
  [
    'pool that is not a client',
    () => ordersTable({} as never, { table: 'x' }),
    'pool must be a pg.Pool (got an object)',
  ],
  ['missing options', () => ordersTable(pool, undefined as never), 'options must be an object (got undefined)'],
  [
    'table with SQL in it',
    () => ordersTable(pool, { table: 'orders; DROP TABLE x' }),
    'options.table must be a lower-case SQL identifier of at most 40 characters ([a-z_][a-z0-9_]*) (got "orders; DROP TABLE x")',
  ],
  [
    'table in upper case',
    () => ordersTable(pool, { table: 'Orders' }),
    'options.table must be a lower-case SQL identifier of at most 40 characters ([a-z_][a-z0-9_]*) (got "Orders")',
  ],
  [
    'table that is not a string',
    () => ordersTable(pool, { table: 42 as never }),
    'options.table must be a lower-case SQL identifier of at most 40 characters ([a-z_][a-z0-9_]*) (got 42)',
  ],
  [
    'negative seed',
    () => ordersTable(pool, { table: 'x', seed: -1 }),
    'options.seed must be an integer from 0 to 1000000 (got -1)',
  ],
  [
    'fractional seed',
    () => ordersTable(pool, { table: 'x', seed: 1.5 }),
    'options.seed must be an integer from 0 to 1000000 (got 1.5)',
  ],
  [
    'indexed that is not a boolean',
    () => ordersTable(pool, { table: 'x', indexed: 'yes' as never }),
    'options.indexed must be a boolean (got "yes")',
  ],
  ['zero rows', () => orders.load(0), 'rows must be an integer from 1 to 10000000 (got 0)'],
  ['rows as a string', () => orders.load('1000' as never), 'rows must be an integer from 1 to 10000000 (got "1000")'],
  [
    'batchRows too large',
    () => orders.load(10, { batchRows: 2_000_000 }),
    'options.batchRows must be an integer from 1 to 1000000 (got 2000000)',
  ],
  ['load options not an object', () => orders.load(10, 5 as never), 'options must be an object (got a number)'],
  [
    'load signal that is not an AbortSignal',
    () => orders.load(10, { signal: 'stop' as never }),
    'options.signal must be an AbortSignal (got a string)',
  ],
  ['negative append count', () => orders.append(-5), 'count must be an integer from 1 to 10000000 (got -5)'],
  ['empty code', () => orders.findByCode(''), 'code must be a non-empty string (got "")'],
  ['code that is not a string', () => orders.findByCode(7 as never), 'code must be a non-empty string (got 7)'],
  [
    'lookup signal that is not an AbortSignal',
    () => orders.findByCode('abc', {} as never),
    'signal must be an AbortSignal (got an object)',
  ],
  [
    'from that is not a Date',
    () => orders.totalsBetween('2026-01-01' as never, later),
    'from must be a valid Date (got a string)',
  ],
  ['an invalid Date', () => orders.totalsBetween(EPOCH, new Date('nope')), 'to must be a valid Date (got a Date)'],
  [
    'an empty range',
    () => orders.totalsBetween(later, EPOCH),
    'to must be after from (2026-01-01T00:00:01.000Z) (got "2026-01-01T00:00:00.000Z")',
  ],
  [
    'explain without a client',
    () => explainPlan(null as never, 'SELECT 1'),
    'db must be a pg Pool or Client (got null)',
  ],
  ['explain of an empty statement', () => explainPlan(pool, ''), 'sql must be a non-empty string (got "")'],
  [
    'explain values not an array',
    () => explainPlan(pool, 'SELECT 1', 'x' as never),
    'values must be an array (got "x")',
  ],
  [
    'naive queries without a table',
    () => naiveOrderQueries(pool, {} as never),
    'orders must be an OrdersTable from ordersTable() (got an object)',
  ],
  [
    'a day that is not YYYY-MM-DD',
    () => naiveOrderQueries(pool, orders).totalsOnDay('1/2/2026'),
    'day must be a date as YYYY-MM-DD (got "1/2/2026")',
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
    expect(err).toBeInstanceOf(BtreeIndexArgumentError);
    expect(isBtreeIndexError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });

  it('stops a load before its first statement when the signal is already aborted, with the signal’s reason', async () => {
    const reason = new Error('shutting down');
    await expect(orders.load(10, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    const { rows } = await pool.query(`SELECT to_regclass('orders') AS t`);
    expect(rows[0]).toEqual({ t: null });
  });

  it('surfaces a server error as a ServiceError naming the operation (the table was never loaded)', async () => {
    const err = await orders.findByCode('abc').catch((e: unknown) => e);
    expect(isBtreeIndexError(err, 'service')).toBe(true);
    expect((err as Error).message).toBe('looking up code "abc" in "orders" failed: relation "orders" does not exist');
    expect(((err as Error).cause as { code?: string }).code).toBe('42P01');
  });
});
