// pnpm --filter poc-postgres-window-functions bench: each report (top-N per region, running totals,
// gaps-and-islands) with window functions vs the same report with correlated subqueries, side by side in
// one process, at two partition sizes, so the ratio's growth with the partition is visible (the
// correlated side re-reads the partition for every row: O(n x partition), the window side sorts once).
//
// Same work on both sides: the same SQL result (checked equal before timing), one connection, run
// one at a time; a sample of the window side repeats its query until MIN_SAMPLE_MS have passed, a
// sample of the correlated side runs it once. Data generated untimed, VACUUM ANALYZEd, and warmed by
// that check; every table and index fits in shared_buffers (their sizes are in the parameters).
// Rounds interleaved and rotated by the harness (compareRounds). Plans saved in bench/plans/.
import {
  benchProfile,
  benchReport,
  compareRounds,
  explainAnalyze,
  postgresDurability,
  savePlans,
} from '@poc/harness/bench';
import { postgresDatabase } from '@poc/harness/services';
import { runMain } from '@poc/kit';
import type pg from 'pg';
import { generateData, windowReports, windowSql, type ReportSql, type Reports } from '../src/index.ts';
import { correlatedReports, correlatedSql } from '../src/naive.ts';

const SHORT = benchProfile() === 'short';
const GROUPS = 20;
const SIZES = { small: SHORT ? 100 : 250, large: SHORT ? 200 : 1_000 } as const; // rows per partition
const TOP = 10;
const ROUNDS = 6; // the harness's interval reaches 95% from 6 rounds
const MIN_SAMPLE_MS = SHORT ? 50 : 300;

interface Problem {
  id: string;
  what: string;
  run: (r: Reports) => Promise<unknown[]>;
  sql: (s: ReportSql) => string;
  values: unknown[];
}
const PROBLEMS: Problem[] = [
  {
    id: 'top',
    what: `top ${TOP} per region by rank()`,
    run: (r) => r.top(TOP, { ranking: 'rank' }),
    sql: (s) => s.top('rank'),
    values: [TOP],
  },
  {
    id: 'running',
    what: 'running totals, SUM() OVER (ROWS ...)',
    run: (r) => r.runningTotals(),
    sql: (s) => s.runningTotals,
    values: [],
  },
  {
    id: 'islands',
    what: 'gaps and islands, day - row_number()',
    run: (r) => r.streaks(),
    sql: (s) => s.streaks,
    values: [1],
  },
];

/** One sample: the query repeated until minMs have passed (at least once); rate in queries/s. */
const sample = (run: () => Promise<unknown>, minMs: number) => async () => {
  const t0 = performance.now();
  let ops = 0;
  do {
    await run();
    ops++;
  } while (performance.now() - t0 < minMs);
  return { ops, seconds: (performance.now() - t0) / 1_000 };
};

async function sizeOf(pool: pg.Pool, schema: string): Promise<string> {
  const { rows } = await pool.query<{ mb: string }>(
    `SELECT round(sum(pg_total_relation_size(c.oid)) / 1048576.0, 1)::text AS mb
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`,
    [schema],
  );
  return `${rows[0]!.mb} MiB`;
}

runMain(async () => {
  const db = await postgresDatabase({ name: 'window_functions_bench' });
  const pool = db.pool({ max: 2 }); // one for the reports, one for a cancel that never comes
  try {
    const sizes: Record<string, string> = {};
    for (const [label, rowsPerGroup] of Object.entries(SIZES)) {
      await generateData(pool, label, { groups: GROUPS, rowsPerGroup, seed: 1 });
      sizes[label] = await sizeOf(pool, label);
    }
    const { rows: sb } = await pool.query<{ v: string }>(`SELECT current_setting('shared_buffers') AS v`);
    const report = benchReport({
      parameters: {
        partitions: GROUPS,
        rowsPerPartitionSmall: SIZES.small,
        rowsPerPartitionLarge: SIZES.large,
        rowsSmall: GROUPS * SIZES.small,
        rowsLarge: GROUPS * SIZES.large,
        topN: TOP,
        tables: 'sales, ledger (rows per partition each); visits (about 70% of that many days per user)',
        dataSize: `small ${sizes.small}, large ${sizes.large} with indexes; shared_buffers ${sb[0]!.v}: all cached`,
        indexes:
          'both sides: sales(region, amount DESC, id), ledger(account, booked_on, id) INCLUDE (amount), visits PK',
        connections: 1,
        rounds: ROUNDS,
        sample: `window: repeated for >= ${MIN_SAMPLE_MS} ms; correlated: one run`,
        timed: 'query sent -> every row received and mapped by the client',
        durability: await postgresDurability(pool),
      },
      services: ['postgres'],
    });

    const plans: Record<string, { sql: string; plan: string }> = {};
    for (const label of Object.keys(SIZES)) {
      const window = windowReports(pool, { schema: label });
      const correlated = correlatedReports(pool, { schema: label });
      for (const p of PROBLEMS) {
        // Same answers before timing (this also warms the tables and both plans).
        const [a, b] = [await p.run(window), await p.run(correlated)];
        if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${p.id}/${label}: the two reports differ`);
        const id = `${p.id}-${label}`;
        report.add(
          await compareRounds({
            id,
            title: `${p.what}: ${GROUPS} partitions x ${SIZES[label as keyof typeof SIZES]} rows (${a.length} result rows), queries/s`,
            variants: {
              correlated: sample(() => p.run(correlated), 0),
              window: sample(() => p.run(window), MIN_SAMPLE_MS),
            },
            baseline: 'correlated',
            rounds: ROUNDS,
            unit: 'queries/s',
          }),
        );
        for (const [side, sqlFor] of [
          ['window', windowSql],
          ['correlated', correlatedSql],
        ] as const) {
          const sql = p.sql(sqlFor(`"${label}"`));
          plans[`${id}-${side}`] = { sql, plan: await explainAnalyze(pool, sql, p.values) };
        }
      }
    }
    savePlans(plans);
    await report.finish(
      `Window functions vs correlated subqueries, ${GROUPS} partitions of {param:rowsPerPartitionLarge} rows: ` +
        'top-N {ratio:top-large/window}, running totals {ratio:running-large/window}, gaps-and-islands ' +
        '{ratio:islands-large/window}; at {param:rowsPerPartitionSmall} rows per partition: {ratio:top-small/window}, ' +
        '{ratio:running-small/window}, {ratio:islands-small/window} (roadmap: ~708x).',
    );
  } finally {
    await db.close();
  }
});
