// Offset vs keyset pagination against the shared PostgreSQL: with no writes both walk the same rows; with
// rows inserted or deleted between page fetches, offset pages repeat or skip rows and keyset pages do
// not; and the plan shows why offset's cost grows with depth (the scan reads offset + limit rows).
import { postgresDatabase, type PostgresDatabase } from '@poc/harness/services';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listQuery, seedItems, type Item } from '../src/index.ts';
import { api, call, type Reply } from './helpers.ts';

const COUNT = 600;
const DEEP_COUNT = 20_000;
let db: PostgresDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'crud_pages' });
  pool = db.pool({ max: 4 });
  await seedItems(pool, { count: DEEP_COUNT, seed: 5, table: 'deep' });
});
afterAll(() => db?.close());

let tableNo = 0;
/** A fresh table of COUNT generated items and a service on it. */
async function freshApi(): Promise<{ app: FastifyInstance; table: string }> {
  const table = `items_${++tableNo}`;
  await seedItems(pool, { count: COUNT, seed: 5, table });
  return { app: api(pool, { table }), table };
}

type Between = (page: Item[]) => Promise<void>;
/** Follows `next` links from `first` to the end, running `between` after each page (the "concurrent" writer). */
async function walk(app: FastifyInstance, first: string, between: Between = async () => {}): Promise<number[]> {
  const ids: number[] = [];
  for (let url: string | null = first; url !== null;) {
    const res: Reply<{ items: Item[]; next: string | null }> = await call(app, 'GET', url);
    expect(res.status).toBe(200);
    ids.push(...res.body.items.map((i) => i.id));
    await between(res.body.items);
    url = res.body.next;
  }
  return ids;
}

const duplicates = (ids: number[]): number => ids.length - new Set(ids).size;
const original = Array.from({ length: COUNT }, (_, i) => i + 1);

describe('pagination', () => {
  it.each([
    ['by id', 'sort=id'],
    ['by price', 'sort=price'],
    ['by price within a category', 'sort=price&category=music'],
  ])('offset and keyset walk the same rows in the same order when nothing changes (%s)', async (_what, query) => {
    const { app, table } = await freshApi();
    const byOffset = await walk(app, `/items?${query}&limit=37&offset=0`);
    const byKeyset = await walk(app, `/items?${query}&limit=37`);
    expect(byKeyset).toEqual(byOffset);
    const order = query.includes('price') ? 'price_cents, id' : 'id';
    const where = query.includes('music') ? `WHERE category = 'music'` : '';
    const { rows } = await pool.query<{ id: number }>(`SELECT id FROM "${table}" ${where} ORDER BY ${order}`);
    expect(byKeyset).toEqual(rows.map((r) => r.id));
  });

  it('break it: rows inserted ahead of the reader make offset pages repeat rows; keyset pages never do', async () => {
    const { app, table } = await freshApi();
    let sku = 0;
    // After each page, another client adds 5 items cheaper than anything listed so far.
    const insertCheap: Between = async () => {
      for (let i = 0; i < 5; i++)
        await call(app, 'POST', '/items', { sku: `NEW-${++sku}`, name: 'new', category: 'toys', priceCents: 0 });
    };
    const byOffset = await walk(app, '/items?sort=price&limit=50&offset=0', insertCheap);
    const byKeyset = await walk(app, '/items?sort=price&limit=50', insertCheap);
    expect(duplicates(byOffset)).toBeGreaterThan(0); // each page starts with the previous page's last 5 rows
    expect(duplicates(byKeyset)).toBe(0);
    expect(byKeyset.filter((id) => id <= COUNT).sort((a, b) => a - b)).toEqual(original); // every original row, once
    expect((await pool.query(`SELECT count(*)::int AS n FROM "${table}"`)).rows[0]!.n).toBe(COUNT + sku);
  });

  it('break it: rows deleted behind the reader make offset pages skip rows; keyset pages skip none', async () => {
    const offsetRun = await freshApi();
    const keysetRun = await freshApi();
    // After each page, another client deletes the first 5 rows of that page (already shown to the reader).
    const deleteSeen =
      (app: FastifyInstance): Between =>
      async (page) => {
        for (const item of page.slice(0, 5)) await call(app, 'DELETE', `/items/${item.id}`);
      };
    const byOffset = await walk(offsetRun.app, '/items?sort=price&limit=50&offset=0', deleteSeen(offsetRun.app));
    const byKeyset = await walk(keysetRun.app, '/items?sort=price&limit=50', deleteSeen(keysetRun.app));
    // Nothing was deleted before the reader saw it, so a correct walk shows every original row once.
    expect(byKeyset.sort((a, b) => a - b)).toEqual(original);
    expect(new Set(byOffset).size).toBeLessThan(COUNT);
    expect(duplicates(byOffset)).toBe(0);
  });

  it('a deep offset page reads offset + limit rows from the index; a keyset page reads limit + 1', async () => {
    const depth = 15_000;
    const limit = 20;
    const scanRows = async (
      text: string,
      values: unknown[],
    ): Promise<{ node: string; rows: number; page: number[] }> => {
      const explained = await pool.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${text}`,
        values,
      );
      const limitNode = explained.rows[0]!['QUERY PLAN'][0]!.Plan;
      const scan = limitNode.Plans![0]!;
      const page = (await pool.query<{ id: number }>(text, values)).rows.map((r) => r.id);
      return { node: `${limitNode['Node Type']} > ${scan['Node Type']}`, rows: scan['Actual Rows'], page };
    };
    const offset = listQuery('deep', { sort: 'id', limit, offset: depth });
    const keyset = listQuery('deep', { sort: 'id', limit, after: [depth] });
    const o = await scanRows(offset.text, offset.values);
    const k = await scanRows(keyset.text, keyset.values);
    expect(o).toMatchObject({ node: 'Limit > Index Scan', rows: depth + limit + 1 });
    expect(k).toMatchObject({ node: 'Limit > Index Scan', rows: limit + 1 });
    expect(k.page).toEqual(o.page); // the same page, either way
  });
});

interface PlanNode {
  'Node Type': string;
  'Actual Rows': number;
  Plans?: PlanNode[];
}
