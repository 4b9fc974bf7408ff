// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
// Bad HTTP input is a 400 problem instead: test/crud.test.ts.
import { postgresDatabase, type PostgresDatabase } from '@poc/harness/services';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrudArgumentError, isCrudError, itemsApi, itemsDdl, seedItems } from '../src/index.ts';
import { connectPerRequest } from '../src/naive.ts';

let pool: pg.Pool;
let db: PostgresDatabase;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'crud_args' });
  pool = db.pool();
});
afterAll(() => db?.close());

const cases: Array<[string, () => unknown, string]> = [
  [
    'db that is not a client',
    () => itemsApi({} as never),
    'db must be a pg.Pool (an object with query()) (got an object)',
  ],
  ['options that are not an object', () => itemsApi(pool, 'x' as never), 'options must be an object (got a string)'],
  [
    'table name with a quote',
    () => itemsApi(pool, { table: 'items"; DROP TABLE x; --' }),
    'options.table must match /^[a-z_][a-z0-9_]{0,62}$/ (got "items\\"; DROP TABLE x; --")',
  ],
  [
    'upper-case table name',
    () => itemsApi(pool, { table: 'Items' }),
    'options.table must match /^[a-z_][a-z0-9_]{0,62}$/ (got "Items")',
  ],
  [
    'maxLimit of 0',
    () => itemsApi(pool, { maxLimit: 0 }),
    'options.maxLimit must be an integer from 1 to 10000 (got 0)',
  ],
  [
    'defaultLimit above maxLimit',
    () => itemsApi(pool, { maxLimit: 50, defaultLimit: 51 }),
    'options.defaultLimit must be an integer from 1 to 50 (got 51)',
  ],
  ['DDL for a bad table name', () => itemsDdl('1items'), 'table must match /^[a-z_][a-z0-9_]{0,62}$/ (got "1items")'],
  ['zero items to generate', () => seedItems(pool, { count: 0 }), 'options.count must be a positive integer (got 0)'],
  [
    'negative seed',
    () => seedItems(pool, { count: 1, seed: -2 }),
    'options.seed must be a non-negative integer (got -2)',
  ],
  [
    'naive source without a config',
    () => connectPerRequest(null as never),
    'config must be a pg.ClientConfig (got null)',
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
    expect(err).toBeInstanceOf(CrudArgumentError);
    expect(isCrudError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
