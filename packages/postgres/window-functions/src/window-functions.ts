// Three classic reports written with window functions: top-N per group (rank, dense_rank, row_number),
// running totals (SUM OVER a ROWS frame) and gaps-and-islands (day minus row_number). Each reads its
// table once, sorted (or in index order) per partition: O(n log n), where the correlated subqueries of
// src/naive.ts that give the same rows re-read the partition for every row: O(n x partition size).
import { check } from './errors.ts';
import { schemaName } from './data.ts';
import { checkPool, runReport, type ReportPool } from './query.ts';

export const RANKINGS = ['rank', 'dense_rank', 'row_number'] as const;
/** rank: ties share a rank and leave gaps (1,1,3); dense_rank: no gaps (1,1,2); row_number: ties broken by id. */
export type Ranking = (typeof RANKINGS)[number];

export interface RankedSale {
  region: number;
  id: string;
  amount: number;
  rank: number;
}
export interface RunningTotal {
  account: number;
  id: string;
  bookedOn: string;
  amount: number;
  /** The account's balance after this entry, entries ordered by (booked_on, id). */
  total: number;
}
export interface Streak {
  userId: number;
  firstDay: string;
  lastDay: string;
  days: number;
}

export interface ReportOptions {
  /** The schema holding sales, ledger and visits (src/data.ts). Default "public". */
  schema?: string;
}

/** The report SQL of one implementation; $1 is perGroup (top-N) or minDays (streaks). */
export interface ReportSql {
  top(ranking: Ranking): string;
  runningTotals: string;
  streaks: string;
}

export interface Reports {
  readonly schema: string;
  /** The rows ranked 1..perGroup in each region by amount, highest first; ties as `ranking` says. */
  top(perGroup: number, options?: { ranking?: Ranking; signal?: AbortSignal }): Promise<RankedSale[]>;
  /** Every ledger entry with the running balance of its account. */
  runningTotals(options?: { signal?: AbortSignal }): Promise<RunningTotal[]>;
  /** Runs of consecutive visit days per user, at least `minDays` long (default 1). */
  streaks(options?: { minDays?: number; signal?: AbortSignal }): Promise<Streak[]>;
}

/** The window-function SQL for a (quoted) schema. */
export function windowSql(s: string): ReportSql {
  return {
    top: (ranking) => `
      SELECT region, id, amount, r AS rank
      FROM (SELECT region, id, amount,
                   ${ranking}() OVER (PARTITION BY region ORDER BY amount DESC${ranking === 'row_number' ? ', id' : ''}) AS r
            FROM ${s}.sales) ranked
      WHERE r <= $1
      ORDER BY region, r, id`,
    runningTotals: `
      SELECT l.account, l.id, l.booked_on::text AS booked_on, l.amount,
             sum(l.amount) OVER (PARTITION BY l.account ORDER BY l.booked_on, l.id
                               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS total
      FROM ${s}.ledger l
      ORDER BY l.account, l.booked_on, l.id`,
    streaks: `
      SELECT user_id, min(day)::text AS first_day, max(day)::text AS last_day, count(*)::int AS days
      FROM (SELECT user_id, day,
                   day - (row_number() OVER (PARTITION BY user_id ORDER BY day))::int AS island
            FROM ${s}.visits) v
      GROUP BY user_id, island
      HAVING count(*) >= $1
      ORDER BY user_id, min(day)`,
  };
}

/** Reports with window functions over the tables of `options.schema`. Arguments are checked first. */
export function windowReports(pool: ReportPool, options: ReportOptions = {}): Reports {
  return reports(pool, options, windowSql, 'window');
}

/** Shared by both implementations (src/naive.ts too): same checks, same row mapping, only the SQL differs. */
export function reports(
  pool: ReportPool,
  options: ReportOptions,
  sqlFor: (quotedSchema: string) => ReportSql,
  label: string,
): Reports {
  checkPool(pool);
  check.options('options', options);
  const schema = options.schema ?? 'public';
  const sql = sqlFor(schemaName('options.schema', schema));
  return {
    schema,
    async top(perGroup, { ranking = 'rank', signal } = {}) {
      check.positiveInt('perGroup', perGroup);
      check.oneOf('ranking', ranking, RANKINGS);
      const rows = await runReport<Record<string, string | number>>(
        pool,
        `top ${perGroup} per region by ${ranking} (${label})`,
        sql.top(ranking),
        [perGroup],
        signal,
      );
      return rows.map((r) => ({
        region: Number(r.region),
        id: String(r.id),
        amount: Number(r.amount),
        rank: Number(r.rank),
      }));
    },
    async runningTotals({ signal } = {}) {
      const rows = await runReport<Record<string, string | number>>(
        pool,
        `running totals (${label})`,
        sql.runningTotals,
        [],
        signal,
      );
      return rows.map((r) => ({
        account: Number(r.account),
        id: String(r.id),
        bookedOn: String(r.booked_on),
        amount: Number(r.amount),
        total: Number(r.total),
      }));
    },
    async streaks({ minDays = 1, signal } = {}) {
      check.positiveInt('minDays', minDays);
      const rows = await runReport<Record<string, string | number>>(
        pool,
        `streaks of ${minDays}+ days (${label})`,
        sql.streaks,
        [minDays],
        signal,
      );
      return rows.map((r) => ({
        userId: Number(r.user_id),
        firstDay: String(r.first_day),
        lastDay: String(r.last_day),
        days: Number(r.days),
      }));
    },
  };
}
