// The same orders (50,000 rows, seed 7) in two tables, with and without the B-trees, against the real
// server: the same answers from both (a differential test, also checked against the generator), the
// plan each gets (read from EXPLAIN (FORMAT JSON) after ANALYZE, sized so the choice is not a coin toss),
// the queries that hide an indexed column from its index, and writes going through the index.
import { postgresDatabase, type PostgresDatabase } from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EPOCH, explainPlan, orderRow, ordersTable, type OrdersTable } from '../src/index.ts';
import { naiveOrderQueries } from '../src/naive.ts';

const ROWS = 50_000;
const SEED = 7;
const DAY_MS = 86_400_000;

let db: PostgresDatabase;
let pool: pg.Pool;
let plain: OrdersTable;
let indexed: OrdersTable;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'btree_index' }); // a database of its own
  pool = db.pool({ max: 4 });
  plain = ordersTable(pool, { table: 'orders_plain', seed: SEED, indexed: false });
  indexed = ordersTable(pool, { table: 'orders_indexed', seed: SEED });
  await Promise.all([plain.load(ROWS, { batchRows: 20_000 }), indexed.load(ROWS)]);
});
afterAll(async () => {
  await pool?.end();
  await db?.close();
});

/** What totalsBetween must return, computed from the generator alone. */
function expectedTotals(from: Date, to: Date): { orders: number; amountCents: number } {
  let orders = 0;
  let amountCents = 0;
  for (let id = 1; id <= ROWS; id++) {
    const row = orderRow(id, SEED);
    if (row.placedAt >= from && row.placedAt < to) {
      orders++;
      amountCents += row.amountCents;
    }
  }
  return { orders, amountCents };
}

const scanOf = (nodeTypes: string[]): string[] => nodeTypes.filter((t) => /Scan$/.test(t));

describe('the dataset', () => {
  it('holds exactly the rows the generator defines, in both tables', async () => {
    for (const table of ['orders_plain', 'orders_indexed']) {
      const { rows } = await pool.query<{ n: number; min: string; max: string }>(
        `SELECT count(*)::int AS n, min(id) AS min, max(id) AS max FROM ${table}`,
      );
      expect(rows[0]).toEqual({ n: ROWS, min: '1', max: String(ROWS) });
      const sample = await pool.query<{ id: string; code: string; placed_at: Date; amount_cents: number }>(
        `SELECT id, code, placed_at, amount_cents FROM ${table} WHERE id IN (1, 777, ${ROWS}) ORDER BY id`,
      );
      expect(
        sample.rows.map((r) => ({
          id: Number(r.id),
          code: r.code,
          placedAt: r.placed_at,
          amountCents: r.amount_cents,
        })),
      ).toEqual([orderRow(1, SEED), orderRow(777, SEED), orderRow(ROWS, SEED)]);
    }
  });

  it('is appended roughly in time order: placed_at follows the row order (as ANALYZE sees it), code does not', async () => {
    const { rows } = await pool.query<{ attname: string; correlation: number }>(
      `SELECT attname, correlation FROM pg_stats WHERE tablename = 'orders_plain' AND attname IN ('placed_at', 'code')`,
    );
    const correlation = Object.fromEntries(rows.map((r) => [r.attname, r.correlation]));
    expect(correlation['placed_at']).toBeGreaterThan(0.99);
    expect(Math.abs(correlation['code']!)).toBeLessThan(0.1);
  });

  it('builds the two B-trees only on the indexed table', async () => {
    expect(Object.keys((await plain.sizes()).indexBytes)).toEqual(['orders_plain_pkey']);
    expect(Object.keys((await indexed.sizes()).indexBytes).sort()).toEqual([
      'orders_indexed_code_idx',
      'orders_indexed_pkey',
      'orders_indexed_placed_at_idx',
    ]);
  });
});

describe('point lookup by a non-key column', () => {
  it('returns the same order with and without the index, the one the generator made for that code', async () => {
    for (const id of [1, 4_242, ROWS]) {
      const { code } = orderRow(id, SEED);
      const [a, b] = await Promise.all([plain.findByCode(code), indexed.findByCode(code)]);
      expect(a).toEqual(orderRow(id, SEED));
      expect(b).toEqual(a);
    }
    expect(await indexed.findByCode('not-a-code')).toBeNull();
    expect(await plain.findByCode('not-a-code')).toBeNull();
  });

  it('is an Index Scan on the B-tree with it, and a scan of the whole table without it', async () => {
    const code = orderRow(123, SEED).code;
    const withIndex = await explainPlan(pool, indexed.sql.findByCode, [code], { analyze: true });
    expect(scanOf(withIndex.nodeTypes)).toEqual(['Index Scan']);
    expect(withIndex.indexNames).toEqual(['orders_indexed_code_idx']);
    const without = await explainPlan(pool, plain.sql.findByCode, [code], { analyze: true });
    expect(scanOf(without.nodeTypes)).toEqual([expect.stringMatching(/^(Parallel )?Seq Scan$/)]);
    // What the index saves, in pages: a handful against every page of the table.
    const { rows } = await pool.query<{ pages: number }>(
      `SELECT relpages AS pages FROM pg_class WHERE relname = 'orders_plain'`,
    );
    expect(withIndex.sharedBlocks).toBeLessThan(10);
    expect(without.sharedBlocks).toBeGreaterThanOrEqual(rows[0]!.pages);
  });
});

describe('range scan: one day of placed_at', () => {
  const days = [0, 5, 16].map((d) => new Date(EPOCH.getTime() + d * DAY_MS));

  it('sums the same orders with and without the index, and what the generator says', async () => {
    for (const from of days) {
      const to = new Date(from.getTime() + DAY_MS);
      const expected = expectedTotals(from, to);
      expect(expected.orders).toBeGreaterThan(0);
      expect(await indexed.totalsBetween(from, to)).toEqual(expected);
      expect(await plain.totalsBetween(from, to)).toEqual(expected);
    }
  });

  it('reads the day through the placed_at B-tree (bitmap or index scan) with it, the whole table without it', async () => {
    const from = days[1]!;
    const to = new Date(from.getTime() + DAY_MS);
    const withIndex = await explainPlan(pool, indexed.sql.totalsBetween, [from, to]);
    expect(withIndex.indexNames).toEqual(['orders_indexed_placed_at_idx']);
    expect(scanOf(withIndex.nodeTypes)).not.toContainEqual(expect.stringMatching(/Seq Scan/));
    const without = await explainPlan(pool, plain.sql.totalsBetween, [from, to]);
    expect(scanOf(without.nodeTypes)).toEqual([expect.stringMatching(/^(Parallel )?Seq Scan$/)]);
  });

  it('still scans the whole table for a range that holds most rows: an index helps selective queries only', async () => {
    const from = EPOCH;
    const to = new Date(EPOCH.getTime() + 15 * DAY_MS); // 15 of the 17 days 50,000 orders span
    const plan = await explainPlan(pool, indexed.sql.totalsBetween, [from, to]);
    expect(scanOf(plan.nodeTypes)).toEqual([expect.stringMatching(/^(Parallel )?Seq Scan$/)]);
    expect(await indexed.totalsBetween(from, to)).toEqual(await plain.totalsBetween(from, to));
  });
});

describe('break it: an expression on the indexed column hides it from its B-tree', () => {
  it('lower(code) = lower($1) finds the same order but scans the whole table, even with the index', async () => {
    const naive = naiveOrderQueries(pool, indexed);
    const row = orderRow(31_337, SEED);
    expect(await naive.findByCodeAnyCase(row.code.toUpperCase())).toEqual(row);
    expect(await indexed.findByCode(row.code)).toEqual(row);
    const hidden = await explainPlan(pool, naive.sql.findByCodeAnyCase, [row.code]);
    expect(scanOf(hidden.nodeTypes)).toEqual([expect.stringMatching(/^(Parallel )?Seq Scan$/)]);
    expect(hidden.indexNames).toEqual([]);
  });

  it('a cast of placed_at to a date sums the same day but scans the whole table; the half-open range uses the index', async () => {
    const naive = naiveOrderQueries(pool, indexed);
    const from = new Date(EPOCH.getTime() + 10 * DAY_MS);
    const day = from.toISOString().slice(0, 10);
    const expected = expectedTotals(from, new Date(from.getTime() + DAY_MS));
    expect(await naive.totalsOnDay(day)).toEqual(expected);
    expect(await indexed.totalsBetween(from, new Date(from.getTime() + DAY_MS))).toEqual(expected);
    const hidden = await explainPlan(pool, naive.sql.totalsOnDay, [day]);
    expect(scanOf(hidden.nodeTypes)).toEqual([expect.stringMatching(/^(Parallel )?Seq Scan$/)]);
  });
});

describe('the write cost', () => {
  it('appends through every index: new rows are found by the index at once, and the index grows', async () => {
    const before = await indexed.sizes();
    const last = await indexed.append(20_000, { batchRows: 5_000 });
    expect(last).toBe(ROWS + 20_000);
    const fresh = orderRow(last, SEED);
    const plan = await explainPlan(pool, indexed.sql.findByCode, [fresh.code], { analyze: true });
    expect(plan.indexNames).toEqual(['orders_indexed_code_idx']);
    expect(plan.nodes.find((n) => n['Node Type'] === 'Index Scan')?.['Actual Rows']).toBe(1);
    expect(await indexed.findByCode(fresh.code)).toEqual(fresh);
    const after = await indexed.sizes();
    expect(after.indexBytes['orders_indexed_code_idx']).toBeGreaterThan(before.indexBytes['orders_indexed_code_idx']!);
    // Two indexes of text and timestamps: together they are a large fraction of the table itself.
    const secondary = after.indexBytes['orders_indexed_code_idx']! + after.indexBytes['orders_indexed_placed_at_idx']!;
    expect(secondary / after.tableBytes).toBeGreaterThan(0.5);
  });
});
