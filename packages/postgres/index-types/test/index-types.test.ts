// Each index type against the real server, on 100,000 events (1,924 heap pages): the same rows as a
// sequential scan (differential), the plan that uses it (EXPLAIN (FORMAT JSON) after ANALYZE), and where
// it cannot help: hash for ranges, BRIN once the rows are shuffled. Planner switches are used in only
// two places, each said where: to prove that even a forced plan cannot use hash for a range, and to
// make the planner use BRIN on shuffled rows (which it rightly refuses on its own).
import { postgresDatabase, type PostgresDatabase } from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  STRATEGIES,
  correlation,
  createEvents,
  eventTime,
  indexBuilder,
  indexName,
  readPlan,
  shapeSql,
  tagName,
  type EventsTable,
  type IndexStrategy,
  type QueryShape,
} from '../src/index.ts';
import { NO_INDEX_SETTINGS, seqScanQuery } from '../src/naive.ts';

const ROWS = 100_000;
const ORDERED = 'events';
const SHUFFLED = 'events_shuffled';
const HOUR = 3_600;

let db: PostgresDatabase;
let pool: pg.Pool;
const tables = new Map<string, EventsTable>();

beforeAll(async () => {
  db = await postgresDatabase({ name: 'index_types' });
  pool = db.pool({ max: 4 });
  for (const [table, order] of [
    [ORDERED, 'inserted'],
    [SHUFFLED, 'shuffled'],
  ] as const) {
    tables.set(table, await createEvents(pool, { table, rows: ROWS, order, seed: 7 }));
    const builder = indexBuilder(pool, { table });
    for (const s of Object.values(STRATEGIES)) await builder.build(s);
    await pool.query(`ANALYZE ${table}`);
  }
}, 60_000);
afterAll(() => db?.close());

/** Parameters of each shape: edges included (first and last row, nothing matching, past the end). */
const PARAMS: Record<QueryShape, unknown[][]> = {
  equality: [[eventTime(1)], [eventTime(ROWS / 2)], [eventTime(ROWS)], [eventTime(ROWS + 10)]],
  range: [
    [eventTime(ROWS / 2), eventTime(ROWS / 2 + HOUR)],
    [eventTime(0), eventTime(HOUR)],
    [eventTime(ROWS - 100), eventTime(ROWS + HOUR)],
    [eventTime(ROWS / 3), eventTime(ROWS / 3)], // empty: [t, t)
  ],
  containment: [[[tagName(7)]], [[tagName(999)]], [[tagName(3), tagName(4)]], [['no-such-tag']]],
};

const ids = (rows: Array<{ id: string }>): string[] => rows.map((r) => r.id).sort();
const cases = Object.values(STRATEGIES).flatMap((s: IndexStrategy) =>
  s.serves.map((shape) => [s.name, shape, s] as const),
);

describe('every index returns the rows of a sequential scan (differential)', () => {
  it('the reference runs with every index scan switched off (and only for its own statement)', async () => {
    const settings = 'SELECT current_setting($1) AS v';
    for (const name of Object.keys(NO_INDEX_SETTINGS)) {
      expect(await seqScanQuery(pool, settings, [name])).toEqual([{ v: 'off' }]);
      expect((await pool.query(settings, [name])).rows).toEqual([{ v: 'on' }]);
    }
    const plan = await readPlan(pool, shapeSql('range', ORDERED, 'at_btree'), PARAMS.range[0], {
      settings: NO_INDEX_SETTINGS,
    });
    expect(plan.indexNames).toEqual([]);
  });

  it.each(cases)('%s index, %s queries: same ids as with no index, on both tables', async (_n, shape, s) => {
    let matched = 0;
    for (const table of [ORDERED, SHUFFLED]) {
      const sql = shapeSql(shape, table, s.column);
      for (const values of PARAMS[shape]) {
        const viaIndex = ids((await pool.query<{ id: string }>(sql, values)).rows);
        expect(viaIndex).toEqual(ids(await seqScanQuery<{ id: string }>(pool, sql, values)));
        matched += viaIndex.length;
      }
    }
    expect(matched).toBeGreaterThan(0); // the cases are not all empty
  });
});

describe('the plan uses the index the test is about (EXPLAIN (FORMAT JSON), default planner settings)', () => {
  it.each(cases)('%s index serves %s queries on insertion-ordered rows', async (_n, shape, s) => {
    const plan = await readPlan(pool, shapeSql(shape, ORDERED, s.column, 'summary'), PARAMS[shape][0]);
    expect(plan.indexNames).toEqual([indexName(ORDERED, s)]);
    expect(plan.seqScanned).toEqual([]);
  });

  it('break it: a range on the hash column is a Seq Scan, even with enable_seqscan = off (set for this query only)', async () => {
    const sql = shapeSql('range', ORDERED, STRATEGIES.hash.column, 'summary');
    for (const settings of [{}, { enable_seqscan: false }]) {
      const plan = await readPlan(pool, sql, PARAMS.range[0], { settings });
      expect(plan.seqScanned).toEqual([ORDERED]);
      expect(plan.indexNames).toEqual([]);
    }
    // The same column, the same index, an equality: served.
    const eq = await readPlan(pool, shapeSql('equality', ORDERED, 'at_hash'), PARAMS.equality[1]);
    expect(eq.indexNames).toEqual([indexName(ORDERED, STRATEGIES.hash)]);
  });
});

describe("BRIN: lossy block ranges, rechecked on the heap, and only as good as the rows' physical order", () => {
  const brin = STRATEGIES.brin;
  const rangeSql = (table: string): string => shapeSql('range', table, brin.column, 'summary');
  /** Rows stored on the block ranges (pages_per_range) that hold at least one match: what BRIN makes the heap read. */
  const rowsOnMatchingRanges = async (table: string, values: unknown[]): Promise<number> => {
    const per = brin.with.pages_per_range;
    const block = `((ctid::text::point)[0]::int / ${per})`;
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${table} WHERE ${block} IN (SELECT DISTINCT ${block} FROM ${table} WHERE at_brin >= $1 AND at_brin < $2)`,
      values,
    );
    return rows[0]!.n;
  };

  it('on ordered rows: a Bitmap Heap Scan whose "Rows Removed by Index Recheck" are the other rows of the matching ranges', async () => {
    const values = PARAMS.range[0]!;
    const plan = await readPlan(pool, rangeSql(ORDERED), values, { analyze: true });
    const heap = plan.nodes.find((n) => n.nodeType === 'Bitmap Heap Scan')!;
    expect(plan.indexNames).toEqual([indexName(ORDERED, brin)]);
    expect(heap.actualRows).toBe(HOUR);
    expect(heap.rowsRemovedByIndexRecheck).toBeGreaterThan(0);
    expect(heap.actualRows! + heap.rowsRemovedByIndexRecheck!).toBe(await rowsOnMatchingRanges(ORDERED, values));
    expect(heap.exactHeapBlocks ?? 0).toBe(0); // BRIN knows block ranges, never rows: every heap block is lossy
    expect(heap.lossyHeapBlocks).toBeLessThan(tables.get(ORDERED)!.heapPages / 4);
  });

  it('pg_stats.correlation is ~1 for insertion order and ~0 once shuffled', async () => {
    expect(await correlation(pool, ORDERED, brin.column)).toBeGreaterThan(0.99);
    expect(Math.abs(await correlation(pool, SHUFFLED, brin.column))).toBeLessThan(0.05);
  });

  it('break it: on shuffled rows the planner refuses BRIN, and forced (enable_seqscan = off, this query only) it reads the whole table', async () => {
    const values = PARAMS.range[0]!;
    const chosen = await readPlan(pool, rangeSql(SHUFFLED), values);
    expect(chosen.seqScanned).toEqual([SHUFFLED]);

    const forced = await readPlan(pool, rangeSql(SHUFFLED), values, {
      analyze: true,
      settings: { enable_seqscan: false },
    });
    expect(forced.indexNames).toEqual([indexName(SHUFFLED, brin)]);
    // The hour's rows are spread over (nearly) every block range, so BRIN matches (nearly) the whole table.
    const onRanges = await rowsOnMatchingRanges(SHUFFLED, values);
    expect(onRanges).toBeGreaterThan(ROWS * 0.95);
    expect(forced.rowsRemovedByIndexRecheck).toBe(onRanges - HOUR);
  });
});
