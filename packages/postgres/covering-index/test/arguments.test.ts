// Bad input gets a clear, typed error that names the argument and the rule, with the exact message: one
// row per rule. `as never` stands for callers without TypeScript (or with `any`). Nothing here reaches
// the server: every check runs before the first statement.
import { postgresDatabase, type PostgresDatabase } from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CoveringIndexArgumentError,
  EPOCH,
  customerOrders,
  explainPlan,
  isCoveringIndexError,
  type CustomerOrders,
} from '../src/index.ts';
import { naiveCustomerTotals } from '../src/naive.ts';

let db: PostgresDatabase;
let pool: pg.Pool;
let orders: CustomerOrders;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'covering_index_args' }); // a database of its own
  pool = db.pool();
  orders = customerOrders(pool, { table: 'orders' });
});
afterAll(async () => {
  await pool?.end();
  await db?.close();
});

const later = new Date(EPOCH.getTime() + 1_000);
const IDENT = 'must be a lower-case SQL identifier of at most 40 characters ([a-z_][a-z0-9_]*)';
const cases: Array<[string, () => unknown, string]> = [
  [
    'pool that is not a client',
    () => customerOrders({} as never, { table: 'x' }),
    'pool must be a pg.Pool (got an object)',
  ],
  ['missing options', () => customerOrders(pool, undefined as never), 'options must be an object (got undefined)'],
  [
    'table with SQL in it',
    () => customerOrders(pool, { table: 'x"; DROP TABLE y; --' }),
    `options.table ${IDENT} (got "x\\"; DROP TABLE y; --")`,
  ],
  [
    'table that is too long',
    () => customerOrders(pool, { table: 'a'.repeat(41) }),
    `options.table ${IDENT} (got "${'a'.repeat(41)}")`,
  ],
  [
    'unknown index shape',
    () => customerOrders(pool, { table: 'x', index: 'hash' as never }),
    'options.index must be one of "none", "composite", "covering" (got "hash")',
  ],
  [
    'seed too large',
    () => customerOrders(pool, { table: 'x', seed: 1_000_001 }),
    'options.seed must be an integer from 0 to 1000000 (got 1000001)',
  ],
  [
    'zero customers',
    () => customerOrders(pool, { table: 'x', customers: 0 }),
    'options.customers must be an integer from 1 to 1000000 (got 0)',
  ],
  ['fractional rows', () => orders.load(10.5), 'rows must be an integer from 1 to 10000000 (got 10.5)'],
  [
    'zero batchRows',
    () => orders.load(10, { batchRows: 0 }),
    'options.batchRows must be an integer from 1 to 1000000 (got 0)',
  ],
  ['load options not an object', () => orders.load(10, [] as never), 'options must be an object (got an array)'],
  [
    'load signal not an AbortSignal',
    () => orders.load(10, { signal: true as never }),
    'options.signal must be an AbortSignal (got a boolean)',
  ],
  ['append of nothing', () => orders.append(0), 'count must be an integer from 1 to 10000000 (got 0)'],
  ['filter that is not an object', () => orders.totals(42 as never), 'filter must be an object (got a number)'],
  ['empty filter', () => orders.totals({}), 'filter must name a customerId, a from/to range, or both (got "{}")'],
  ['customer 0', () => orders.totals({ customerId: 0 }), 'filter.customerId must be a positive integer (got 0)'],
  [
    'customer as a string',
    () => orders.totals({ customerId: '42' as never }),
    'filter.customerId must be a positive integer (got "42")',
  ],
  [
    'from without to',
    () => orders.totals({ from: EPOCH }),
    'filter.to must be a valid Date (with filter.from) (got undefined)',
  ],
  [
    'to that is a string',
    () => orders.totals({ from: EPOCH, to: '2026-02-01' as never }),
    'filter.to must be a valid Date (with filter.from) (got a string)',
  ],
  [
    'an invalid from',
    () => orders.totals({ from: new Date(Number.NaN), to: later }),
    'filter.from must be a valid Date (with filter.to) (got a Date)',
  ],
  [
    'an empty range',
    () => orders.totals({ from: later, to: later }),
    'filter.to must be after filter.from (2026-01-01T00:00:01.000Z) (got "2026-01-01T00:00:01.000Z")',
  ],
  [
    'totals signal not an AbortSignal',
    () => orders.totals({ customerId: 1 }, 'x' as never),
    'signal must be an AbortSignal (got a string)',
  ],
  ['touch of every 0th row', () => orders.touch(0), 'everyNth must be a positive integer (got 0)'],
  [
    'vacuum signal not an AbortSignal',
    () => orders.vacuum({} as never),
    'signal must be an AbortSignal (got an object)',
  ],
  [
    'explain without a client',
    () => explainPlan(undefined as never, 'SELECT 1'),
    'db must be a pg Pool or Client (got undefined)',
  ],
  [
    'explain options not an object',
    () => explainPlan(pool, 'SELECT 1', [], null as never),
    'options must be an object (got null)',
  ],
  [
    'naive totals without a table',
    () => naiveCustomerTotals(pool, null as never),
    'orders must be a CustomerOrders from customerOrders() (got null)',
  ],
  [
    'naive totals of customer -1',
    () => naiveCustomerTotals(pool, orders).totals(-1),
    'customerId must be a positive integer (got -1)',
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
    expect(err).toBeInstanceOf(CoveringIndexArgumentError);
    expect(isCoveringIndexError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });

  it('stops a load before its first statement when the signal is already aborted, with the signal’s reason', async () => {
    const reason = new Error('shutting down');
    await expect(orders.load(10, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    const { rows } = await pool.query(`SELECT to_regclass('orders') AS t`);
    expect(rows[0]).toEqual({ t: null });
  });

  it('surfaces a server error as a ServiceError naming the operation (the table was never loaded)', async () => {
    const err = await orders.vacuum().catch((e: unknown) => e);
    expect(isCoveringIndexError(err, 'service')).toBe(true);
    expect((err as Error).message).toBe('vacuuming "orders" failed: relation "orders" does not exist');
    expect(((err as Error).cause as { code?: string }).code).toBe('42P01');
  });
});
