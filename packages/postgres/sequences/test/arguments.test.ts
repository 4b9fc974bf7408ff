// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { postgresDatabase, type PostgresDatabase } from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SequencesArgumentError, identityKeys, isSequencesError, keyedTable, prefill } from '../src/index.ts';
import { maxPlusOneTable } from '../src/naive.ts';

let pool: pg.Pool;
let db: PostgresDatabase;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'sequences_args' });
  pool = db.pool();
});
afterAll(() => db?.close());

const IDENT = 'must be a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 63 characters)';
const t = () => keyedTable(pool, identityKeys, { table: 't' });
const cases: Array<[string, () => unknown, string]> = [
  [
    'db that is not a client',
    () => keyedTable({} as never, identityKeys, { table: 't' }),
    'db must be a pg.Pool or client (got an object)',
  ],
  [
    'missing options',
    () => keyedTable(pool, identityKeys, undefined as never),
    'options must be an object (got undefined)',
  ],
  [
    'table with a quote',
    () => keyedTable(pool, identityKeys, { table: 'x"; DROP' }),
    `options.table ${IDENT} (got "x\\"; DROP")`,
  ],
  [
    'table with capitals',
    () => keyedTable(pool, identityKeys, { table: 'Orders' }),
    `options.table ${IDENT} (got "Orders")`,
  ],
  [
    'keys that are not a strategy',
    () => keyedTable(pool, 'uuid' as never, { table: 't' }),
    'keys must be a KeyStrategy (identityKeys, uuidV4Keys, uuidV7Keys ...) (got a string)',
  ],
  ['no payloads', () => t().insert([]), 'payloads must be a non-empty array of strings (got an array)'],
  [
    'payload that is not a string',
    () => t().insert([1] as never),
    'payloads must be a non-empty array of strings (got an array)',
  ],
  [
    'signal that is not an AbortSignal',
    () => t().insert(['a'], { signal: 'stop' as never }),
    'signal must be an AbortSignal (got a string)',
  ],
  [
    'MAX()+1 on a client without connect()',
    () => maxPlusOneTable({ query: () => undefined } as never, { table: 't' }),
    'db must be a pg.Pool (MAX()+1 needs a transaction) (got an object)',
  ],
  [
    'MAX()+1: unique that is not a boolean',
    () => maxPlusOneTable(pool, { table: 't', unique: 'yes' as never }),
    'options.unique must be a boolean (got "yes")',
  ],
  [
    'MAX()+1: between that is not a function',
    () => maxPlusOneTable(pool, { table: 't', between: 5 as never }),
    'options.between must be a function (got a number)',
  ],
  [
    'MAX()+1: no payloads',
    () => maxPlusOneTable(pool, { table: 't' }).insert([]),
    'payloads must be a non-empty array of strings (got an array)',
  ],
  ['prefill: rows 0', () => prefill(pool, 't', identityKeys, 0), 'rows must be a positive integer (got 0)'],
  [
    'prefill: bad table',
    () => prefill(pool, 'T', identityKeys, 5),
    'table must be a lower-case SQL identifier (got "T")',
  ],
  ['prefill: seed 1.5', () => prefill(pool, 't', identityKeys, 5, 1.5), 'seed must be an integer (got 1.5)'],
];

describe('bad arguments', () => {
  it.each(cases)('rejects %s with an error naming the argument and the rule', async (_what, call, message) => {
    const err = await Promise.resolve()
      .then(call)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(SequencesArgumentError);
    expect(isSequencesError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });

  it('an aborted signal inserts nothing', async () => {
    const table = keyedTable(pool, identityKeys, { table: 'aborted' });
    await table.create();
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(table.insert(['a'], { signal: controller.signal })).rejects.toThrow('stop');
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM aborted');
    expect(rows[0]!.n).toBe(0);
  });
});
