// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { postgresDatabase, type PostgresDatabase } from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JsonbArgumentError,
  documentStore,
  generateDocuments,
  indexableOperators,
  isJsonbError,
  type DocumentStore,
} from '../src/index.ts';
import { naiveDocumentStore } from '../src/naive.ts';

let pool: pg.Pool;
let store: DocumentStore;
let db: PostgresDatabase;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'jsonb_args' });
  pool = db.pool();
  store = documentStore(pool, { table: 'docs' });
});
afterAll(() => db?.close());

const IDENT = 'must be a lower-case SQL identifier (a-z, 0-9, _; at most 48 characters)';
const cases: Array<[string, () => unknown, string]> = [
  [
    'db that is not a client',
    () => documentStore({} as never, { table: 'x' }),
    'db must be a pg.Pool or Client (an object with query()) (got an object)',
  ],
  ['missing options', () => documentStore(pool, undefined as never), 'options must be an object (got undefined)'],
  [
    'table with SQL in it',
    () => documentStore(pool, { table: 'docs; DROP TABLE x' }),
    `options.table ${IDENT} (got "docs; DROP TABLE x")`,
  ],
  ['table in upper case', () => documentStore(pool, { table: 'Docs' }), `options.table ${IDENT} (got "Docs")`],
  ['table that is not a string', () => documentStore(pool, { table: 42 as never }), `options.table ${IDENT} (got 42)`],
  [
    'unknown index',
    () => documentStore(pool, { table: 'x', index: 'btree' as never }),
    'options.index must be one of "none", "jsonb_ops", "jsonb_path_ops" (got "btree")',
  ],
  [
    'query of no known kind',
    () => store.find({ where: 'x' } as never),
    'query must be one of { contains }, { path } or { hasKey } (got an object)',
  ],
  [
    'query of two kinds',
    () => store.find({ hasKey: 'a', path: '$' } as never),
    'query must be one of { contains }, { path } or { hasKey } (got an object)',
  ],
  [
    'contains that is an array',
    () => store.find({ contains: ['a'] as never }),
    'query.contains must be an object (got an array)',
  ],
  ['empty path', () => store.find({ path: '' }), 'query.path must be a non-empty string (got "")'],
  [
    'key that is not a string',
    () => store.explain({ hasKey: 1 as never }),
    'query.hasKey must be a non-empty string (got 1)',
  ],
  [
    'signal that is not an AbortSignal',
    () => store.find({ hasKey: 'a' }, { signal: 'stop' as never }),
    'signal must be an AbortSignal (got a string)',
  ],
  ['no documents to insert', () => store.insert([]), 'documents must be a non-empty array (got an array)'],
  [
    'document without an id',
    () => store.insert([{ doc: {} } as never]),
    'documents[0].id must be a positive integer (got undefined)',
  ],
  [
    'document that is a string',
    () => store.insert([{ id: 1, doc: '{}' as never }]),
    'documents[0].doc must be an object (got a string)',
  ],
  ['rows of 0', () => store.generate({ rows: 0, seed: 1 }), 'options.rows must be a positive integer (got 0)'],
  [
    'seed that is not an integer',
    () => store.generate({ rows: 1, seed: 1.5 }),
    'options.seed must be an integer (got 1.5)',
  ],
  [
    'batch size of -1',
    () => store.generate({ rows: 1, seed: 1, batchSize: -1 }),
    'options.batchSize must be a positive integer (got -1)',
  ],
  [
    'generator table with a quote',
    () => generateDocuments(pool, "x'", { rows: 1, seed: 1 }),
    `table ${IDENT} (got "x'")`,
  ],
  [
    'unknown operator class',
    () => indexableOperators(pool, 'gin_trgm_ops' as never),
    'opclass must be one of "jsonb_ops", "jsonb_path_ops" (got "gin_trgm_ops")',
  ],
  [
    'naive: a filter with an array',
    () => naiveDocumentStore(pool, { table: 'docs' }).find({ contains: { tags: ['eco'] } }),
    'query.contains.tags must be a string, number, boolean or object in the naive version (got an array)',
  ],
  ['naive: an empty table name', () => naiveDocumentStore(pool, { table: '' }), `options.table ${IDENT} (got "")`],
];

describe('bad arguments', () => {
  it.each(cases)(
    'rejects %s with an error naming the argument and the rule, before any query',
    async (_what, call, message) => {
      const err = await Promise.resolve()
        .then(call)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(JsonbArgumentError);
      expect(isJsonbError(err, 'argument')).toBe(true);
      expect((err as Error).message).toBe(message);
    },
  );

  it('an already aborted signal stops the call before it reaches the server', async () => {
    const reason = new Error('caller gave up');
    await expect(store.find({ hasKey: 'a' }, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it('a statement the server rejects (an invalid jsonpath) is a service error naming what was being done', async () => {
    await store.createTable();
    const err = await store.find({ path: '$.price ? (@ <' }).catch((e: unknown) => e);
    expect(isJsonbError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^finding documents \(docs\) failed: syntax error/);
  });
});
