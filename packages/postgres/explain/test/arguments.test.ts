// Bad input gets a clear, typed error that names the argument and the rule, with the exact message:
// one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { postgresDatabase, type PostgresDatabase } from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExplainArgumentError, createShop, explainer, findProblems, isExplainError } from '../src/index.ts';
import { naiveExplainer } from '../src/naive.ts';

let pool: pg.Pool;
let db: PostgresDatabase;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'explain_args' });
  pool = db.pool({ max: 2 });
});
afterAll(() => db?.close());

const POOL_RULE = 'pool must be a pg.Pool (an object with connect() and query())';
const cases: Array<[string, () => unknown, string]> = [
  ['no pool', () => explainer(undefined as never), `${POOL_RULE} (got undefined)`],
  ['a client without connect()', () => explainer({ query() {} } as never), `${POOL_RULE} (got an object)`],
  ['no pool, naive', () => naiveExplainer(null as never), `${POOL_RULE} (got null)`],
  ['options that are not an object', () => explainer(pool, [] as never), 'options must be an object (got an array)'],
  [
    'misestimateFactor below 1',
    () => explainer(pool, { misestimateFactor: 0.5 }),
    'options.misestimateFactor must be a number from 1 to 1.7976931348623157e+308 (got 0.5)',
  ],
  [
    'a share above 1',
    () => explainer(pool, { seqScanMaxReturnedShare: 2 }),
    'options.seqScanMaxReturnedShare must be a number from 0 to 1 (got 2)',
  ],
  [
    'seqScanMinRows 0',
    () => explainer(pool, { seqScanMinRows: 0 }),
    'options.seqScanMinRows must be a finite number > 0 (got 0)',
  ],
  [
    'nestedLoopMinLoops NaN',
    () => explainer(pool, { nestedLoopMinLoops: Number.NaN }),
    'options.nestedLoopMinLoops must be a finite number > 0 (got NaN)',
  ],
  [
    'settings that are not an object',
    () => explainer(pool, { settings: 'work_mem=1GB' as never }),
    'options.settings must be an object (got a string)',
  ],
  [
    'a setting name with SQL in it',
    () => explainer(pool, { settings: { 'work_mem; DROP TABLE x': '1GB' } }),
    'options.settings must name settings in lower case (like work_mem) (got "work_mem; DROP TABLE x")',
  ],
  [
    'a setting value that is not a string',
    () => explainer(pool, { settings: { work_mem: 64 as never } }),
    'options.settings.work_mem must be a string (got 64)',
  ],
  ['timeoutMs 0', () => explainer(pool, { timeoutMs: 0 }), 'options.timeoutMs must be a positive integer (got 0)'],
  ['an empty statement', () => explainer(pool).explain('  '), 'sql must be a non-empty statement (got "  ")'],
  [
    'values that are not an array',
    () => explainer(pool).explain('SELECT $1', 'x' as never),
    'values must be an array (got a string)',
  ],
  [
    'a signal that is not an AbortSignal',
    () => explainer(pool).explain('SELECT 1', [], { signal: 'stop' as never }),
    'options.signal must be an AbortSignal (got a string)',
  ],
  ['an empty statement, naive', () => naiveExplainer(pool).explain(''), 'sql must be a non-empty statement (got "")'],
  [
    'a plan that is not a plan node',
    () => findProblems({} as never),
    'plan must be a plan node (with "Node Type") (got an object)',
  ],
  [
    'a shop of 0 customers',
    () => createShop(pool, { customers: 0, ordersPerCustomer: 1 }),
    'size.customers must be a positive integer (got 0)',
  ],
  ['a shop without a size', () => createShop(pool, undefined as never), 'size must be an object (got undefined)'],
];

describe('bad arguments', () => {
  it.each(cases)('rejects %s with an error naming the argument and the rule', async (_what, call, message) => {
    const err = await Promise.resolve()
      .then(call)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(ExplainArgumentError);
    expect(isExplainError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });

  it('rejects an aborted signal before connecting', async () => {
    const controller = new AbortController();
    controller.abort(new Error('already gone'));
    await expect(explainer(pool).explain('SELECT 1', [], { signal: controller.signal })).rejects.toThrow(
      'already gone',
    );
  });
});
