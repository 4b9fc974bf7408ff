// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message, before any statement reaches the server: one row per rule. `as never` stands for callers
// without TypeScript (or with `any`). Table names and strategy parts end up in DDL, so their rules are
// also what keeps SQL out of them.
import { postgresDatabase, type PostgresDatabase } from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IndexTypesArgumentError,
  STRATEGIES,
  correlation,
  createEvents,
  createIndexSql,
  indexBuilder,
  isIndexTypesError,
  parsePlan,
  readPlan,
  shapeSql,
  type IndexBuilder,
} from '../src/index.ts';
import { disableIndexScans, seqScanQuery } from '../src/naive.ts';

let pool: pg.Pool;
let builder: IndexBuilder;
let db: PostgresDatabase;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'index_types_args' });
  pool = db.pool();
  builder = indexBuilder(pool, { table: 'events' });
});
afterAll(() => db?.close());

const { btree, brin } = STRATEGIES;
const TABLE_RULE = 'must be a lower-case SQL identifier of at most 40 characters';
const cases: Array<[string, () => unknown, string]> = [
  [
    'a pool that is not a pool',
    () => indexBuilder({} as never, { table: 'e' }),
    'pool must be a pg.Pool (got an object)',
  ],
  ['missing options', () => indexBuilder(pool, undefined as never), 'options must be an object (got undefined)'],
  ['an upper-case table', () => indexBuilder(pool, { table: 'Events' }), `options.table ${TABLE_RULE} (got "Events")`],
  [
    'SQL in the table name',
    () => indexBuilder(pool, { table: 'e; DROP TABLE x' }),
    `options.table ${TABLE_RULE} (got "e; DROP TABLE x")`,
  ],
  [
    'a table name of 41 characters',
    () => indexBuilder(pool, { table: 'e'.repeat(41) }),
    `options.table ${TABLE_RULE} (got "${'e'.repeat(41)}")`,
  ],
  [
    'a clock that is not a Clock',
    () => indexBuilder(pool, { table: 'e', clock: {} as never }),
    'options.clock must be a Clock (got an object)',
  ],
  ['no strategy', () => builder.build(undefined as never), 'strategy must be an IndexStrategy (got undefined)'],
  [
    'a strategy name with a dash',
    () => builder.build({ ...btree, name: 'b-tree' }),
    'strategy.name must be a lower-case SQL identifier of at most 20 characters (got "b-tree")',
  ],
  [
    'an unknown access method',
    () => builder.build({ ...btree, method: 'bitmap' as never }),
    'strategy.method must be one of "btree", "hash", "brin", "gin" (got "bitmap")',
  ],
  [
    'a column the table does not index',
    () => builder.build({ ...btree, column: 'payload' as never }),
    'strategy.column must be one of "at_btree", "at_hash", "at_brin", "tags" (got "payload")',
  ],
  [
    'an unknown query shape',
    () => builder.build({ ...btree, serves: ['sort' as never] }),
    'strategy.serves must be an array of "equality", "range", "containment" (got an array)',
  ],
  [
    'pages_per_range 0',
    () => builder.build({ ...brin, with: { pages_per_range: 0 } }),
    'strategy.with.pages_per_range must be a positive integer (got 0)',
  ],
  [
    'SQL in a storage parameter',
    () => builder.build({ ...brin, with: { 'fillfactor=1) --': 1 } }),
    'strategy.with must have lower-case identifiers as keys (got "fillfactor=1) --")',
  ],
  [
    'a signal that is not an AbortSignal',
    () => builder.build(btree, { signal: 'stop' as never }),
    'options.signal must be an AbortSignal (got a string)',
  ],
  ['drop without a strategy', () => builder.drop(null as never), 'strategy must be an IndexStrategy (got null)'],
  ['createIndexSql on a bad table', () => createIndexSql('a b', btree), `table ${TABLE_RULE} (got "a b")`],
  [
    'createEvents without a pool',
    () => createEvents(null as never, { table: 'e', rows: 1 }),
    'pool must be a pg.Pool (got null)',
  ],
  [
    '0 rows',
    () => createEvents(pool, { table: 'e', rows: 0 }),
    'options.rows must be an integer from 1 to 50000000 (got 0)',
  ],
  [
    '1.5 rows',
    () => createEvents(pool, { table: 'e', rows: 1.5 }),
    'options.rows must be an integer from 1 to 50000000 (got 1.5)',
  ],
  [
    'a seed that is not an integer',
    () => createEvents(pool, { table: 'e', rows: 1, seed: '7' as never }),
    'options.seed must be an integer (got "7")',
  ],
  [
    'an unknown order',
    () => createEvents(pool, { table: 'e', rows: 1, order: 'random' as never }),
    'options.order must be one of "inserted", "shuffled" (got "random")',
  ],
  [
    'a tag vocabulary of 0',
    () => createEvents(pool, { table: 'e', rows: 1, tagVocabulary: 0 }),
    'options.tagVocabulary must be an integer from 1 to 1000000 (got 0)',
  ],
  [
    'shapeSql with an unknown shape',
    () => shapeSql('prefix' as never, 'e', 'at_btree'),
    'shape must be one of "equality", "range", "containment" (got "prefix")',
  ],
  [
    'shapeSql on another column',
    () => shapeSql('equality', 'e', 'id' as never),
    'column must be one of "at_btree", "at_hash", "at_brin", "tags" (got "id")',
  ],
  [
    'correlation of another column',
    () => correlation(pool, 'e', 'payload' as never),
    'column must be one of "at_btree", "at_hash", "at_brin", "tags" (got "payload")',
  ],
  [
    'readPlan of a DELETE',
    () => readPlan(pool, 'DELETE FROM events'),
    'sql must be a SELECT statement (got "DELETE FROM events")',
  ],
  [
    'readPlan with values that are not an array',
    () => readPlan(pool, 'SELECT 1', 'x' as never),
    'values must be an array (got a string)',
  ],
  [
    'readPlan with a setting that is not a planner switch',
    () => readPlan(pool, 'SELECT 1', [], { settings: { work_mem: true } as never }),
    'options.settings must be one of "enable_seqscan", "enable_indexscan", "enable_indexonlyscan", "enable_bitmapscan" (got "work_mem")',
  ],
  [
    'readPlan with a switch that is not a boolean',
    () => readPlan(pool, 'SELECT 1', [], { settings: { enable_seqscan: 'off' as never } }),
    'options.settings.enable_seqscan must be a boolean (got "off")',
  ],
  [
    'parsePlan of something else',
    () => parsePlan({ rows: [] }),
    'json must be the output of EXPLAIN (FORMAT JSON) (got an object)',
  ],
  [
    'seqScanQuery of an UPDATE',
    () => seqScanQuery(pool, 'UPDATE events SET id = 1'),
    'sql must be a SELECT statement (got "UPDATE events SET id = 1")',
  ],
  [
    'disableIndexScans without a client',
    () => disableIndexScans(undefined as never),
    'client must be a pg client (got undefined)',
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
    expect(err).toBeInstanceOf(IndexTypesArgumentError);
    expect(isIndexTypesError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });

  it('checked before any statement: no table "e" was created by the rejected calls', async () => {
    const { rows } = await pool.query(`SELECT to_regclass('e') AS t`);
    expect(rows[0]).toEqual({ t: null });
  });
});
