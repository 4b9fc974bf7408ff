// The window-function reports and the correlated-subquery reports return the same rows, in the same
// order, on hand-made data whose answers are known (ties, same-day entries, gaps) and on generated data
// sets of several shapes and seeds. The plans differ as the README says: one WindowAgg over one pass,
// against a SubPlan executed once per row.
import { postgresDatabase, type PostgresDatabase } from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RANKINGS, createSchema, generateData, windowReports, windowSql, type Reports } from '../src/index.ts';
import { correlatedReports, correlatedSql } from '../src/naive.ts';

let db: PostgresDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'window_functions_diff' });
  pool = db.pool();
  await createSchema(pool, 'known');
  await pool.query(`
    INSERT INTO known.sales VALUES (1, 1, 50), (2, 1, 40), (3, 1, 40), (4, 1, 30), (5, 1, 20), (6, 2, 10), (7, 2, 10);
    INSERT INTO known.ledger VALUES (1, 1, '2026-01-01', 100), (2, 1, '2026-01-01', -30), (3, 1, '2026-01-02', 5),
                                    (4, 2, '2026-01-01', 7);
    INSERT INTO known.visits VALUES (1, '2026-01-01'), (1, '2026-01-02'), (1, '2026-01-03'), (1, '2026-01-05'),
                                    (1, '2026-01-06'), (1, '2026-01-09'), (2, '2026-01-04');
    ANALYZE known.sales, known.ledger, known.visits;`);
  await createSchema(pool, 'empty');
  await generateData(pool, 'small', { groups: 5, rowsPerGroup: 60, seed: 1 });
  await generateData(pool, 'wide', { groups: 2, rowsPerGroup: 300, seed: 7 });
  await generateData(pool, 'one_group', { groups: 1, rowsPerGroup: 90, seed: 42 });
});
afterAll(() => db?.close());

const both = (schema: string): [Reports, Reports] => [
  windowReports(pool, { schema }),
  correlatedReports(pool, { schema }),
];

describe('known answers (ties, same-day entries, gaps)', () => {
  it.each([
    [
      'rank',
      [
        [1, '1', 50, 1],
        [1, '2', 40, 2],
        [1, '3', 40, 2],
        [2, '6', 10, 1],
        [2, '7', 10, 1],
      ],
    ],
    [
      'dense_rank',
      [
        [1, '1', 50, 1],
        [1, '2', 40, 2],
        [1, '3', 40, 2],
        [1, '4', 30, 3],
        [2, '6', 10, 1],
        [2, '7', 10, 1],
      ],
    ],
    [
      'row_number',
      [
        [1, '1', 50, 1],
        [1, '2', 40, 2],
        [1, '3', 40, 3],
        [2, '6', 10, 1],
        [2, '7', 10, 2],
      ],
    ],
  ] as const)('top 3 by %s: ties as the ranking defines them, on both sides', async (ranking, expected) => {
    for (const reports of both('known')) {
      const rows = await reports.top(3, { ranking });
      expect(rows.map((r) => [r.region, r.id, r.amount, r.rank])).toEqual(expected);
    }
  });

  it('running totals follow (booked_on, id) within an account, one row at a time', async () => {
    for (const reports of both('known')) {
      const rows = await reports.runningTotals();
      expect(rows.map((r) => [r.account, r.id, r.total])).toEqual([
        [1, '1', 100],
        [1, '2', 70],
        [1, '3', 75],
        [2, '4', 7],
      ]);
    }
  });

  it('streaks are the runs of consecutive days, split at every gap', async () => {
    for (const reports of both('known')) {
      expect(await reports.streaks()).toEqual([
        { userId: 1, firstDay: '2026-01-01', lastDay: '2026-01-03', days: 3 },
        { userId: 1, firstDay: '2026-01-05', lastDay: '2026-01-06', days: 2 },
        { userId: 1, firstDay: '2026-01-09', lastDay: '2026-01-09', days: 1 },
        { userId: 2, firstDay: '2026-01-04', lastDay: '2026-01-04', days: 1 },
      ]);
      expect((await reports.streaks({ minDays: 2 })).map((s) => s.days)).toEqual([3, 2]);
    }
  });

  it('empty tables give empty reports on both sides', async () => {
    for (const reports of both('empty')) {
      expect(await reports.top(5)).toEqual([]);
      expect(await reports.runningTotals()).toEqual([]);
      expect(await reports.streaks()).toEqual([]);
    }
  });
});

describe('differential: generated data sets of several shapes', () => {
  const schemas = ['small', 'wide', 'one_group'] as const;

  it.each(schemas)('%s: top-N by every ranking, same rows in the same order', async (schema) => {
    const [window, correlated] = both(schema);
    for (const ranking of RANKINGS)
      for (const perGroup of [1, 3, 25]) {
        const expected = await correlated.top(perGroup, { ranking });
        expect(expected.length).toBeGreaterThan(0);
        expect(await window.top(perGroup, { ranking })).toEqual(expected);
      }
  });

  it.each(schemas)('%s: running totals, same rows; the last total of each account is its sum', async (schema) => {
    const [window, correlated] = both(schema);
    const rows = await window.runningTotals();
    expect(rows).toEqual(await correlated.runningTotals());
    // An independent check of the values: GROUP BY's sum equals the last running total per account.
    const { rows: sums } = await pool.query<{ account: number; sum: string }>(
      `SELECT account, sum(amount) FROM ${schema}.ledger GROUP BY account ORDER BY account`,
    );
    const last = new Map(rows.map((r) => [r.account, r.total]));
    expect(sums.map((s) => [s.account, Number(s.sum)])).toEqual([...last.entries()]);
  });

  it.each(schemas)('%s: streaks, same islands; their days add up to the visits', async (schema) => {
    const [window, correlated] = both(schema);
    const streaks = await window.streaks();
    expect(streaks).toEqual(await correlated.streaks());
    expect(await window.streaks({ minDays: 3 })).toEqual(await correlated.streaks({ minDays: 3 }));
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.visits`);
    expect(streaks.reduce((sum, s) => sum + s.days, 0)).toBe(rows[0]!.n);
    expect(streaks.some((s) => s.days > 1) && streaks.length > 1).toBe(true); // islands and gaps both present
  });
});

describe('plans: one pass with a WindowAgg, against a SubPlan run once per row', () => {
  interface PlanNode {
    'Node Type': string;
    'Parent Relationship'?: string;
    'Actual Loops'?: number;
    Plans?: PlanNode[];
  }
  const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];
  const plan = async (sql: string, values: unknown[]): Promise<PlanNode[]> => {
    const { rows } = await pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
      values,
    );
    return nodes(rows[0]!['QUERY PLAN'][0].Plan);
  };

  it.each([
    ['top', (s: string) => windowSql(s).top('rank'), (s: string) => correlatedSql(s).top('rank'), 'sales', [3]],
    [
      'running totals',
      (s: string) => windowSql(s).runningTotals,
      (s: string) => correlatedSql(s).runningTotals,
      'ledger',
      [],
    ],
    ['streaks', (s: string) => windowSql(s).streaks, (s: string) => correlatedSql(s).streaks, 'visits', [1]],
  ] as const)('%s', async (_name, windowed, correlated, table, values) => {
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM wide.${table}`);
    const w = await plan(windowed('wide'), [...values]);
    expect(w.map((n) => n['Node Type'])).toContain('WindowAgg');
    expect(w.filter((n) => n['Parent Relationship'] === 'SubPlan')).toEqual([]);
    const c = await plan(correlated('wide'), [...values]);
    expect(c.map((n) => n['Node Type'])).not.toContain('WindowAgg');
    const subplans = c.filter((n) => n['Parent Relationship'] === 'SubPlan');
    // The subquery runs once per row (top-N evaluates it again in the select list for the rows kept).
    expect(Math.max(...subplans.map((n) => n['Actual Loops'] ?? 0))).toBe(rows[0]!.n);
  });
});
