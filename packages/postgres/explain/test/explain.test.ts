// The explainer against a real server: each planted problem is named before its fix and gone after it
// (read from the plan the server produced), good queries give no findings, the naive check misses what
// only ANALYZE shows, and the explained statement's effects, settings and run time stay contained.
import { postgresDatabase, type PostgresDatabase } from '@poc/harness';
import { eventually } from '@poc/harness/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GOOD_QUERIES,
  createShop,
  explainer,
  findProblems,
  isExplainError,
  planNodes,
  shopCases,
  type ShopCase,
} from '../src/index.ts';
import { naiveExplainer } from '../src/naive.ts';

let db: PostgresDatabase;
let pool: pg.Pool;
let cases: ShopCase[];
const caseById = (id: string): ShopCase => cases.find((c) => c.id === id)!;

beforeAll(async () => {
  db = await postgresDatabase({ name: 'explain' });
  pool = db.pool({ max: 4 });
  const { orders } = await createShop(pool, { customers: 20_000, ordersPerCustomer: 10, seed: 3 });
  cases = shopCases(orders);
});
afterAll(() => db?.close());

/** Runs `body` with the case's fix applied, and undoes the fix afterwards (even when body fails). */
async function withFix<T>(c: ShopCase, body: () => Promise<T>): Promise<T> {
  if (c.fix) await pool.query(c.fix);
  try {
    return await body();
  } finally {
    if (c.unfix) await pool.query(c.unfix);
  }
}

describe('planted problems: named before the fix, gone after it', () => {
  it.each(['seq-scan', 'misestimate', 'sort-spill'])('%s', async (id) => {
    const c = caseById(id);
    const before = await explainer(pool, c.before).explain(c.sql, c.values);
    expect(before.findings.map((f) => f.kind).sort()).toEqual([...c.expects].sort());
    const after = await withFix(c, () => explainer(pool, c.after).explain(c.sql, c.values));
    expect(after.findings).toEqual([]);
  });

  it('seq scan: reads every order to return one; with the index, an Index Scan returns it', async () => {
    const c = caseById('seq-scan');
    const [finding] = (await explainer(pool).explain(c.sql, c.values)).findings;
    expect(finding).toMatchObject({
      kind: 'seq-scan',
      node: 'Seq Scan on orders',
      relation: 'orders',
      rowsRead: 200_000,
      rowsReturned: 1,
    });
    const after = await withFix(c, () => explainer(pool).explain(c.sql, c.values));
    expect(planNodes(after.plan).map((n) => `${n['Node Type']} ${n['Index Name'] ?? ''}`.trim())).toContain(
      'Index Scan orders_reference',
    );
  });

  it('misestimate: the planner multiplies two correlated selectivities (100x under) until CREATE STATISTICS', async () => {
    const c = caseById('misestimate');
    const { rows } = await pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM customers WHERE region = 7 AND segment = 7',
    );
    const before = await explainer(pool).explain(c.sql, c.values);
    const mis = before.findings.find((f) => f.kind === 'misestimate');
    // 20,000 customers in 100 regions: the planner guesses 20,000 / 100 / 100 = 2; the server counts 200.
    expect(mis).toMatchObject({
      estimatedRows: 2,
      actualRows: rows[0]!.n,
      node: 'Bitmap Index Scan using customers_region_segment',
    });
    expect(before.findings.find((f) => f.kind === 'nested-loop')).toMatchObject({
      loops: rows[0]!.n,
      expectedLoops: 2,
    });
    const after = await withFix(c, () => explainer(pool).explain(c.sql, c.values));
    const scan = planNodes(after.plan).find((n) => n['Index Name'] === 'customers_region_segment')!;
    expect(scan['Plan Rows'] / scan['Actual Rows']!).toBeGreaterThan(0.5);
    expect(scan['Plan Rows'] / scan['Actual Rows']!).toBeLessThan(2);
  });

  it('sort spill in parallel workers: named when a worker spills, not only the leader', async () => {
    // A parallel plan forced on the test's small table: each worker sorts its share with its own work_mem
    // and reports it under Workers. The leader does not sort (parallel_leader_participation off), so
    // only the workers' entries can show the spill.
    const c = caseById('sort-spill');
    const parallel = {
      parallel_setup_cost: '0',
      parallel_tuple_cost: '0',
      min_parallel_table_scan_size: '0',
      max_parallel_workers_per_gather: '2',
      parallel_leader_participation: 'off',
    };
    const before = await explainer(pool, { settings: { ...parallel, work_mem: '64kB' } }).explain(c.sql, c.values);
    const sort = planNodes(before.plan).find((n) => n['Node Type'] === 'Sort')!;
    const workers = (sort.Workers ?? []).filter((w) => w['Sort Method'] !== undefined);
    // A worker that started late may get too few rows to spill; one with most of them does.
    const spilled = workers.filter((w) => w['Sort Space Type'] === 'Disk');
    expect(spilled.length).toBeGreaterThan(0);
    expect(sort['Sort Space Type']).toBeUndefined(); // the leader's own fields: it did not sort
    expect(before.findings).toEqual([
      expect.objectContaining({
        kind: 'sort-spill',
        method: 'external merge',
        detail: expect.stringMatching(
          new RegExp(`^sort spilled to disk in ${spilled.length} of ${workers.length} processes`),
        ),
      }),
    ]);
    const after = await explainer(pool, { settings: { ...parallel, work_mem: '256MB' } }).explain(c.sql, c.values);
    expect(after.findings).toEqual([]);
  });

  it('sort spill: external merge on disk at the default work_mem; an in-memory quicksort with 256MB', async () => {
    const c = caseById('sort-spill');
    const before = await explainer(pool, c.before).explain(c.sql, c.values);
    expect(before.findings[0]).toMatchObject({ kind: 'sort-spill', method: 'external merge' });
    expect((before.findings[0] as { diskKb: number }).diskKb).toBeGreaterThan(0);
    const after = await explainer(pool, c.after).explain(c.sql, c.values);
    const sort = planNodes(after.plan).find((n) => n['Node Type'] === 'Sort')!;
    expect([sort['Sort Method'], sort['Sort Space Type']]).toEqual(['quicksort', 'Memory']);
  });

  it.each(GOOD_QUERIES.map((g) => [g.id, g] as const))('a good query (%s) gives no findings', async (_id, g) => {
    expect((await explainer(pool).explain(g.sql, g.values)).findings).toEqual([]);
  });

  it('a nested loop that ran as often as planned is not named, even above the loop threshold', async () => {
    const g = GOOD_QUERIES.find((q) => q.id === 'planned-nested-loop')!;
    // 80 loops pass a threshold of 50: only "as often as expected" keeps the loop from being named.
    const { plan, findings } = await explainer(pool, { nestedLoopMinLoops: 50 }).explain(g.sql, g.values);
    const loop = planNodes(plan).find((n) => n['Node Type'] === 'Nested Loop')!;
    expect([loop.Plans![0]!['Plan Rows'], loop.Plans![1]!['Actual Loops']]).toEqual([80, 80]);
    expect(findings).toEqual([]);
  });

  it('thresholds decide: a misestimate factor of 1,000 silences the 100x misestimate on the same plan', async () => {
    const c = caseById('misestimate');
    const { plan } = await explainer(pool).explain(c.sql, c.values);
    expect(findProblems(plan).map((f) => f.kind)).toContain('misestimate');
    expect(findProblems(plan, { misestimateFactor: 1_000 })).toEqual([]);
  });
});

describe('break it: the naive check (plain EXPLAIN, "any Seq Scan?")', () => {
  it('misses the misestimate, the runaway loop and the spill, and names a right Seq Scan', async () => {
    const naive = naiveExplainer(pool);
    const seen: Record<string, string[]> = {};
    for (const c of cases) seen[c.id] = (await naive.explain(c.sql, c.values)).findings.map((f) => f.kind);
    for (const g of GOOD_QUERIES) seen[g.id] = (await naive.explain(g.sql, g.values)).findings.map((f) => f.kind);
    expect(seen['seq-scan']).toEqual(['seq-scan']);
    for (const id of ['misestimate', 'sort-spill']) expect(seen[id]).not.toContain(id);
    expect(seen['misestimate']).not.toContain('nested-loop');
    expect(seen['count-all']).toEqual(['seq-scan']); // a count of a whole table: a Seq Scan is the right plan
  });
});

describe('what explaining does to the server', () => {
  it('rolls back: an explained DELETE runs (ANALYZE) and deletes nothing', async () => {
    const count = async () =>
      (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM orders WHERE id <= 100')).rows[0]!.n;
    const report = await explainer(pool).explain('DELETE FROM orders WHERE id <= $1', [100]);
    expect(report.plan['Node Type']).toBe('ModifyTable');
    expect(planNodes(report.plan).find((n) => n['Node Type'] === 'Index Scan')!['Actual Rows']).toBe(100);
    expect(await count()).toBe(100);
  });

  it('applies settings to the explained statement only (SET LOCAL)', async () => {
    const one = db.pool({ max: 1 });
    try {
      const report = await explainer(one, { settings: { work_mem: '256MB' } }).explain(
        caseById('sort-spill').sql,
        caseById('sort-spill').values,
      );
      expect(report.findings).toEqual([]);
      expect((await one.query<{ work_mem: string }>('SHOW work_mem')).rows[0]!.work_mem).toBe('4MB');
    } finally {
      await one.end();
    }
  });

  it('stops a statement at timeoutMs with a service error', async () => {
    const err = await explainer(pool, { timeoutMs: 200 })
      .explain('SELECT pg_sleep(30)')
      .catch((e: unknown) => e);
    expect(isExplainError(err, 'service')).toBe(true);
    expect((err as Error).message).toBe(
      'explaining "SELECT pg_sleep(30)" failed: canceling statement due to statement timeout',
    );
  });

  it('cancels the statement on the server when the signal aborts, and rejects with its reason', async () => {
    const controller = new AbortController();
    const tag = `SELECT pg_sleep(30) AS abort_me`;
    const running = explainer(pool)
      .explain(tag, [], { signal: controller.signal })
      .catch((e: unknown) => e);
    const active = async (): Promise<number> =>
      (
        await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE '%abort_me%' AND pid <> pg_backend_pid()`,
        )
      ).rows[0]!.n;
    await eventually(async () => expect(await active()).toBe(1), { what: 'the explained statement running' });
    controller.abort(new Error('caller gave up'));
    expect(await running).toEqual(new Error('caller gave up'));
    await eventually(async () => expect(await active()).toBe(0), { what: 'the statement cancelled on the server' });
  });

  it('reports a statement the server refuses as a service error naming it', async () => {
    const err = await explainer(pool)
      .explain('SELECT amount FROM no_such_table')
      .catch((e: unknown) => e);
    expect(isExplainError(err, 'service')).toBe(true);
    expect((err as Error).message).toBe(
      'explaining "SELECT amount FROM no_such_table" failed: relation "no_such_table" does not exist',
    );
  });
});
