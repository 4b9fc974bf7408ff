// What people write without window functions (or before their database had them, as MySQL until 8.0):
// each window replaced by a correlated subquery that re-reads the row's partition. Same rows as
// src/window-functions.ts, at O(n x partition size). Also here: the window query people write first for
// running totals, whose default RANGE frame gives rows of the same day the same, wrong, total.
// Import from 'poc-postgres-window-functions/naive'.
import { reports, windowSql, type ReportOptions, type ReportSql, type Reports } from './window-functions.ts';
import type { ReportPool } from './query.ts';

/** The correlated-subquery SQL for a (quoted) schema: the window's value computed per row by a count or sum. */
export function correlatedSql(s: string): ReportSql {
  const rankOf = {
    // rank = 1 + rows strictly ahead; dense_rank = 1 + distinct amounts ahead; row_number breaks ties by id.
    rank: `1 + (SELECT count(*) FROM ${s}.sales t WHERE t.region = s.region AND t.amount > s.amount)`,
    dense_rank: `1 + (SELECT count(DISTINCT t.amount) FROM ${s}.sales t WHERE t.region = s.region AND t.amount > s.amount)`,
    row_number: `1 + (SELECT count(*) FROM ${s}.sales t WHERE t.region = s.region
                        AND (t.amount > s.amount OR (t.amount = s.amount AND t.id < s.id)))`,
  } as const;
  return {
    top: (ranking) => `
      SELECT region, id, amount, r AS rank
      FROM (SELECT s.region, s.id, s.amount, ${rankOf[ranking]} AS r FROM ${s}.sales s) ranked
      WHERE r <= $1
      ORDER BY region, r, id`,
    runningTotals: `
      SELECT l.account, l.id, l.booked_on::text AS booked_on, l.amount,
             (SELECT sum(m.amount) FROM ${s}.ledger m
              WHERE m.account = l.account AND (m.booked_on, m.id) <= (l.booked_on, l.id)) AS total
      FROM ${s}.ledger l
      ORDER BY l.account, l.booked_on, l.id`,
    streaks: `
      SELECT user_id, min(day)::text AS first_day, max(day)::text AS last_day, count(*)::int AS days
      FROM (SELECT v.user_id, v.day,
                   v.day - (SELECT count(*) FROM ${s}.visits w WHERE w.user_id = v.user_id AND w.day <= v.day)::int AS island
            FROM ${s}.visits v) v
      GROUP BY user_id, island
      HAVING count(*) >= $1
      ORDER BY user_id, min(day)`,
  };
}

/** The same reports with correlated subqueries instead of window functions. */
export function correlatedReports(pool: ReportPool, options: ReportOptions = {}): Reports {
  return reports(pool, options, correlatedSql, 'correlated');
}

/**
 * The running total as first written: `SUM(amount) OVER (PARTITION BY account ORDER BY booked_on)`.
 * Without a frame clause the frame is RANGE ... CURRENT ROW, which includes the current row's peers
 * (every entry of the same day), so each entry of a day shows the day's closing balance.
 */
export function rangeFrameSql(s: string): ReportSql {
  return {
    ...windowSql(s),
    runningTotals: `
      SELECT l.account, l.id, l.booked_on::text AS booked_on, l.amount,
             sum(l.amount) OVER (PARTITION BY l.account ORDER BY l.booked_on) AS total
      FROM ${s}.ledger l
      ORDER BY l.account, l.booked_on, l.id`,
  };
}

/** Window reports whose running totals use the default (RANGE) frame: wrong wherever a day has two entries. */
export function rangeFrameReports(pool: ReportPool, options: ReportOptions = {}): Reports {
  return reports(pool, options, rangeFrameSql, 'range frame');
}
