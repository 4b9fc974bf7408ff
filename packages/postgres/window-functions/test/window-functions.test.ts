// The edges: the running total as first written (default RANGE frame) is wrong wherever a day has two
// entries, and the ROWS frame is not; a report given up on is cancelled on the server, not abandoned.
import { eventually, postgresDatabase, type PostgresDatabase } from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSchema, generateData, windowReports } from '../src/index.ts';
import { correlatedReports, rangeFrameReports } from '../src/naive.ts';

let db: PostgresDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'window_functions' });
  pool = db.pool();
  await createSchema(pool, 'known');
  await pool.query(`INSERT INTO known.ledger VALUES (1, 1, '2026-01-01', 100), (2, 1, '2026-01-01', -30),
                    (3, 1, '2026-01-02', 5), (4, 2, '2026-01-01', 7)`);
  await generateData(pool, 'ledger', { groups: 4, rowsPerGroup: 90, seed: 3 });
});
afterAll(() => db?.close());

describe('break it: SUM() OVER (ORDER BY day) without a frame', () => {
  it('gives every entry of a day the closing balance of that day', async () => {
    const rows = await rangeFrameReports(pool, { schema: 'known' }).runningTotals();
    expect(rows.map((r) => r.total)).toEqual([70, 70, 75, 7]); // the first entry should show 100
    const right = await windowReports(pool, { schema: 'known' }).runningTotals();
    expect(right.map((r) => r.total)).toEqual([100, 70, 75, 7]);
  });

  it('on generated data, is wrong exactly on the entries that are not the last of their day', async () => {
    const expected = await correlatedReports(pool, { schema: 'ledger' }).runningTotals();
    const range = await rangeFrameReports(pool, { schema: 'ledger' }).runningTotals();
    expect(await windowReports(pool, { schema: 'ledger' }).runningTotals()).toEqual(expected);
    const lastOfDay = (i: number): boolean =>
      i + 1 === expected.length ||
      expected[i + 1]!.account !== expected[i]!.account ||
      expected[i + 1]!.bookedOn !== expected[i]!.bookedOn;
    const wrong = range.flatMap((r, i) => (r.total === expected[i]!.total ? [] : [i]));
    const notLast = expected.flatMap((_, i) => (lastOfDay(i) ? [] : [i]));
    expect(notLast.length).toBeGreaterThan(0);
    // Each entry short of its day's end is wrong, unless the rest of its day happens to sum to 0.
    for (const i of wrong) expect(lastOfDay(i)).toBe(false);
    expect(wrong.length).toBeGreaterThan(notLast.length * 0.9);
  });
});

describe('cancellation', () => {
  it('aborting the signal cancels the statement on the server and rejects with the reason', async () => {
    await generateData(pool, 'big', { groups: 10, rowsPerGroup: 3_000, seed: 5 }); // seconds of correlated work
    const controller = new AbortController();
    const running = correlatedReports(pool, { schema: 'big' })
      .runningTotals({ signal: controller.signal })
      .catch((e: unknown) => e);
    const active = `SELECT count(*)::int AS n FROM pg_stat_activity
                    WHERE datname = current_database() AND state = 'active' AND query LIKE '%"big".ledger m%'
                      AND pid <> pg_backend_pid()`;
    await eventually(async () => expect((await pool.query<{ n: number }>(active)).rows[0]!.n).toBe(1), {
      what: 'the correlated query running on the server',
    });
    controller.abort(new Error('report no longer wanted'));
    expect(((await running) as Error).message).toBe('report no longer wanted');
    await eventually(async () => expect((await pool.query<{ n: number }>(active)).rows[0]!.n).toBe(0), {
      what: 'the statement gone from pg_stat_activity',
    });
  });

  it('an already aborted signal runs nothing', async () => {
    const controller = new AbortController();
    controller.abort(new Error('too late'));
    await expect(windowReports(pool, { schema: 'known' }).runningTotals({ signal: controller.signal })).rejects.toThrow(
      'too late',
    );
  });
});
