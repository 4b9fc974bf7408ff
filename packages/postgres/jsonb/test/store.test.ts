// The same documents in three tables (no index, GIN jsonb_ops, GIN jsonb_path_ops): every variant
// returns the same rows, checked against an in-memory oracle, and the plan shows which index served
// which operator. 20,000 documents: enough that a selective query through GIN is the planner's clear
// choice, small enough for a suite of a few seconds (the bench uses 200,000).
import { postgresDatabase, type PostgresDatabase } from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DISCOUNT_ONE_IN,
  JSONB_INDEXES,
  documentStore,
  indexableOperators,
  type DocumentStore,
  type JsonbIndex,
  type JsonbQuery,
} from '../src/index.ts';
import { naiveDocumentStore } from '../src/naive.ts';
import { QUERIES, type Doc } from './fixtures.ts';

const ROWS = 20_000;
const SEED = 7;

let db: PostgresDatabase;
let pool: pg.Pool;
const stores = new Map<JsonbIndex, DocumentStore>();
let docs: Array<{ id: number; doc: Doc }>;

beforeAll(async () => {
  db = await postgresDatabase({ name: 'jsonb_store' });
  pool = db.pool();
  for (const index of JSONB_INDEXES) {
    const store = documentStore(pool, { table: `docs_${index}`, index });
    await store.createTable();
    await store.generate({ rows: ROWS, seed: SEED, batchSize: 7_000 });
    await store.createIndex();
    await store.analyze();
    stores.set(index, store);
  }
  const { rows } = await pool.query<{ id: string; doc: Doc }>('SELECT id, doc FROM docs_none ORDER BY id');
  docs = rows.map((r) => ({ id: Number(r.id), doc: r.doc }));
}, 60_000);
afterAll(() => db?.close());

const store = (index: JsonbIndex): DocumentStore => stores.get(index)!;
const digest = async (table: string): Promise<string> =>
  (await pool.query<{ md5: string }>(`SELECT md5(string_agg(id || ':' || doc::text, ',' ORDER BY id)) FROM ${table}`))
    .rows[0]!.md5;

describe('the generator', () => {
  it('gives the same documents for the same seed, whatever the table or batch size, and others for another seed', async () => {
    expect(docs).toHaveLength(ROWS);
    const reference = await digest('docs_none');
    expect(await digest('docs_jsonb_ops')).toBe(reference); // batches of 7,000 in every table
    const again = documentStore(pool, { table: 'docs_again', index: 'none' });
    await again.createTable();
    await again.generate({ rows: ROWS, seed: SEED }); // one batch of 50,000
    expect(await digest('docs_again')).toBe(reference);
    const other = documentStore(pool, { table: 'docs_other', index: 'none' });
    await other.createTable();
    await other.generate({ rows: ROWS, seed: SEED + 1 });
    expect(await digest('docs_other')).not.toBe(reference);
  });

  it('gives every document the stated shape, and the optional key to about 1 in 100', () => {
    for (const { doc } of docs.slice(0, 500)) {
      expect(
        Object.keys(doc)
          .filter((k) => k !== 'discount')
          .sort(),
      ).toEqual(['attrs', 'brand', 'category', 'price', 'rating', 'sku', 'stock', 'tags'].sort());
      expect(Object.keys(doc.attrs).sort()).toEqual(['color', 'size']);
    }
    const withKey = docs.filter((d) => d.doc.discount !== undefined).length;
    expect(withKey / ROWS).toBeGreaterThan(0.5 / DISCOUNT_ONE_IN);
    expect(withKey / ROWS).toBeLessThan(1.5 / DISCOUNT_ONE_IN);
  });
});

describe('every variant returns the same rows (a differential test against an in-memory oracle)', () => {
  it.each(QUERIES)(
    '$name: no index, jsonb_ops, jsonb_path_ops and the naive statements agree',
    async ({ query, oracle }) => {
      const expected = docs.filter((d) => oracle(d.doc)).map((d) => d.id);
      expect(expected.length).toBeGreaterThan(20); // a real answer, not an empty one
      expect(expected.length).toBeLessThan(ROWS * 0.1); // and selective
      for (const index of JSONB_INDEXES) expect(await store(index).find(query), index).toEqual(expected);
      const naive = naiveDocumentStore(pool, { table: 'docs_jsonb_path_ops', index: 'jsonb_path_ops' });
      expect(await naive.find(query), 'naive').toEqual(expected);
    },
  );

  it('sees a document inserted a moment ago through the index (GIN keeps new entries in its pending list)', async () => {
    for (const index of JSONB_INDEXES) {
      const s = store(index);
      const id = 1_000_000 + JSONB_INDEXES.indexOf(index);
      await s.insert([{ id, doc: { category: 'books', attrs: { color: 'ultraviolet' }, tags: [] } }]);
      expect(await s.find({ contains: { attrs: { color: 'ultraviolet' } } }), index).toEqual([id]);
      await pool.query(`DELETE FROM ${s.table} WHERE id = $1`, [id]);
    }
  });
});

/** Whether the plan reads the table's GIN index. */
const usesGin = async (s: DocumentStore, query: JsonbQuery): Promise<{ gin: boolean; scans: string[] }> => {
  const plan = await s.explain(query);
  return { gin: s.indexName !== undefined && plan.nodes.some((n) => n.index === s.indexName), scans: plan.scans };
};

describe('plans: which operator class serves which operator', () => {
  const [contains, path, hasKey, range] = QUERIES.map((q) => q.query) as [
    JsonbQuery,
    JsonbQuery,
    JsonbQuery,
    JsonbQuery,
  ];
  const cases: Array<[string, JsonbQuery, JsonbIndex, boolean]> = [
    ['@> without an index: a Seq Scan', contains, 'none', false],
    ['@> through jsonb_ops', contains, 'jsonb_ops', true],
    ['@> through jsonb_path_ops', contains, 'jsonb_path_ops', true],
    ['@? (equalities) through jsonb_ops', path, 'jsonb_ops', true],
    ['@? (equalities) through jsonb_path_ops', path, 'jsonb_path_ops', true],
    ['? through jsonb_ops', hasKey, 'jsonb_ops', true],
    [
      '? NOT through jsonb_path_ops: it does not support the operator, the plan is a Seq Scan',
      hasKey,
      'jsonb_path_ops',
      false,
    ],
    ['@? with a range through neither (GIN extracts only equalities): jsonb_ops', range, 'jsonb_ops', false],
    ['@? with a range through neither: jsonb_path_ops', range, 'jsonb_path_ops', false],
  ];
  it.each(cases)('%s', async (_what, query, index, expected) => {
    const { gin, scans } = await usesGin(store(index), query);
    expect({ gin, scans }).toEqual({
      gin: expected,
      scans: expected ? expect.arrayContaining([`Bitmap Index Scan on docs_${index}_doc_gin`]) : expect.anything(),
    });
    if (!expected) expect(scans.some((s) => s.startsWith('Seq Scan') || s.endsWith('_pkey'))).toBe(true);
  });

  it('break it: the naive statements (#>>, jsonb_path_exists, -> IS NOT NULL) never use the GIN index that is right there', async () => {
    for (const index of ['jsonb_ops', 'jsonb_path_ops'] as const) {
      const naive = naiveDocumentStore(pool, { table: `docs_${index}`, index });
      for (const { query } of QUERIES)
        expect((await usesGin(naive, query)).gin, `${index} ${JSON.stringify(query)}`).toBe(false);
      expect((await usesGin(store(index), contains)).gin).toBe(true); // the same index serves the operator form
    }
  });

  it('the catalog says the same: jsonb_ops serves ? ?| ?& @> @? @@, jsonb_path_ops only @> @? @@', async () => {
    expect((await indexableOperators(pool, 'jsonb_ops')).sort()).toEqual(['?', '?&', '?|', '@>', '@?', '@@'].sort());
    expect((await indexableOperators(pool, 'jsonb_path_ops')).sort()).toEqual(['@>', '@?', '@@'].sort());
  });
});

describe('sizes', () => {
  it('jsonb_path_ops builds a smaller index than jsonb_ops (one hash per path-to-value, no separate keys)', async () => {
    const none = await store('none').sizes();
    const ops = await store('jsonb_ops').sizes();
    const pathOps = await store('jsonb_path_ops').sizes();
    expect(none.indexBytes).toBe(0);
    expect(ops.tableBytes).toBe(none.tableBytes);
    expect(pathOps.indexBytes).toBeGreaterThan(0);
    expect(pathOps.indexBytes).toBeLessThan(ops.indexBytes);
  });
});
