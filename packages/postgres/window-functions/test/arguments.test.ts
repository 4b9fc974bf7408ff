// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { postgresDatabase, type PostgresDatabase } from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WindowFunctionsArgumentError, generateData, isWindowFunctionsError, windowReports } from '../src/index.ts';
import { correlatedReports } from '../src/naive.ts';

let pool: pg.Pool;
let db: PostgresDatabase;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'window_functions_args' });
  pool = db.pool();
});
afterAll(() => db?.close());

const IDENT = 'must be a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 63 characters)';
const cases: Array<[string, () => unknown, string]> = [
  ['pool that is not a client', () => windowReports({} as never), 'pool must be a pg.Pool (got an object)'],
  [
    'options that are not an object',
    () => windowReports(pool, 'x' as never),
    'options must be an object (got a string)',
  ],
  [
    'schema with capitals and a dash',
    () => windowReports(pool, { schema: 'Bad-Name' }),
    `options.schema ${IDENT} (got "Bad-Name")`,
  ],
  [
    'schema with a quote',
    () => windowReports(pool, { schema: 'a"; DROP' }),
    `options.schema ${IDENT} (got "a\\"; DROP")`,
  ],
  ['perGroup 0', () => windowReports(pool).top(0), 'perGroup must be a positive integer (got 0)'],
  ['perGroup 1.5', () => windowReports(pool).top(1.5), 'perGroup must be a positive integer (got 1.5)'],
  [
    'unknown ranking',
    () => windowReports(pool).top(3, { ranking: 'ntile' as never }),
    'ranking must be one of "rank", "dense_rank", "row_number" (got "ntile")',
  ],
  ['minDays 0', () => windowReports(pool).streaks({ minDays: 0 }), 'minDays must be a positive integer (got 0)'],
  [
    'signal that is not an AbortSignal',
    () => windowReports(pool).runningTotals({ signal: 'stop' as never }),
    'signal must be an AbortSignal (got a string)',
  ],
  [
    'perGroup 0, correlated version',
    () => correlatedReports(pool).top(0),
    'perGroup must be a positive integer (got 0)',
  ],
  ['schema, correlated version', () => correlatedReports(pool, { schema: '1x' }), `options.schema ${IDENT} (got "1x")`],
  [
    'generator: groups 0',
    () => generateData(pool, 'g', { groups: 0, rowsPerGroup: 5 }),
    'shape.groups must be a positive integer (got 0)',
  ],
  [
    'generator: rowsPerGroup missing',
    () => generateData(pool, 'g', { groups: 2 } as never),
    'shape.rowsPerGroup must be a positive integer (got undefined)',
  ],
  [
    'generator: seed 0.5',
    () => generateData(pool, 'g', { groups: 1, rowsPerGroup: 1, seed: 0.5 }),
    'shape.seed must be an integer (got 0.5)',
  ],
  ['generator: bad schema', () => generateData(pool, 'G', { groups: 1, rowsPerGroup: 1 }), `schema ${IDENT} (got "G")`],
];

describe('bad arguments', () => {
  it.each(cases)('rejects %s with an error naming the argument and the rule', async (_what, call, message) => {
    const err = await Promise.resolve()
      .then(call)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(WindowFunctionsArgumentError);
    expect(isWindowFunctionsError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
