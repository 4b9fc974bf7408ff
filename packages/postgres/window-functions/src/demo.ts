// pnpm --filter poc-postgres-window-functions demo: the three reports on a small generated data set, each
// with window functions and with correlated subqueries: the same rows, and how much work each did (the
// buffers EXPLAIN ANALYZE counts, and how often the correlated subquery ran). Then the RANGE-frame pitfall.
import { postgresDatabase, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import type pg from 'pg';
import { generateData, windowReports, windowSql, type ReportSql, type Reports } from './index.ts';
import { correlatedReports, correlatedSql, rangeFrameReports } from './naive.ts';

const say = (line = ''): void => console.log(line);
const GROUPS = 10;
const ROWS = 400;

interface Work {
  buffers: number;
  subplanLoops: number;
}
/** Shared buffers touched (hit + read) by the whole plan, and the most any SubPlan ran: from EXPLAIN's JSON. */
async function work(pool: pg.Pool, sql: string, values: unknown[]): Promise<Work> {
  type Node = Record<string, unknown> & { Plans?: Node[] };
  const { rows } = await pool.query<{ 'QUERY PLAN': [{ Plan: Node }] }>(
    `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`,
    values,
  );
  const root = rows[0]!['QUERY PLAN'][0].Plan;
  const all = (n: Node): Node[] => [n, ...(n.Plans ?? []).flatMap(all)];
  const loops = all(root)
    .filter((n) => n['Parent Relationship'] === 'SubPlan')
    .map((n) => Number(n['Actual Loops']));
  return {
    buffers: Number(root['Shared Hit Blocks']) + Number(root['Shared Read Blocks']),
    subplanLoops: Math.max(0, ...loops),
  };
}

runMain(async () => {
  const server = await serverFor('postgres');
  const db = await postgresDatabase({ name: 'demo' }); // a database of its own, removed at the end
  try {
    const pool = db.pool();
    say(`Window functions demo: postgres ${server.version} (${server.provider})`);
    await generateData(pool, 'demo', { groups: GROUPS, rowsPerGroup: ROWS, seed: 1 });
    say(`Data: ${GROUPS} regions/accounts/users x ${ROWS} rows each (seed 1), indexed for both sides.\n`);
    const window = windowReports(pool, { schema: 'demo' });
    const correlated = correlatedReports(pool, { schema: 'demo' });

    const problems: Array<[string, (r: Reports) => Promise<unknown[]>, (s: ReportSql) => string, unknown[]]> = [
      ['top 3 per region by rank()', (r) => r.top(3), (s) => s.top('rank'), [3]],
      ['running totals', (r) => r.runningTotals(), (s) => s.runningTotals, []],
      ['streaks (gaps and islands)', (r) => r.streaks(), (s) => s.streaks, [1]],
    ];
    for (const [title, run, sqlOf, values] of problems) {
      const a = await run(window);
      const b = await run(correlated);
      const same = JSON.stringify(a) === JSON.stringify(b);
      const w = await work(pool, sqlOf(windowSql('"demo"')), values);
      const c = await work(pool, sqlOf(correlatedSql('"demo"')), values);
      say(`${title}: ${a.length} rows, ${same ? 'identical' : 'DIFFERENT'} on both sides`);
      say(`  window:     ${String(w.buffers).padStart(7)} buffers, no subquery`);
      say(`  correlated: ${String(c.buffers).padStart(7)} buffers, subquery ran ${c.subplanLoops} times`);
    }

    const top = await window.top(3, { ranking: 'rank' });
    say('\nRegion 1, top 3 by rank() (ties share a rank):');
    for (const r of top.filter((r) => r.region === 1)) say(`  #${r.rank}  sale ${r.id}  amount ${r.amount}`);
    const streaks = await window.streaks({ minDays: 8 });
    say(`Streaks of 8+ consecutive days: ${streaks.length}; longest ${Math.max(...streaks.map((s) => s.days))} days`);

    const right = await window.runningTotals();
    const range = await rangeFrameReports(pool, { schema: 'demo' }).runningTotals();
    const wrong = range.filter((r, i) => r.total !== right[i]!.total).length;
    say(
      `\nBreak it: SUM(amount) OVER (PARTITION BY account ORDER BY booked_on), no frame clause: ` +
        `${wrong} of ${right.length} running totals wrong (same-day entries share the day's closing balance).`,
    );
    const first = right.findIndex((r, i) => r.total !== range[i]!.total);
    if (first >= 0)
      say(
        `  e.g. account ${right[first]!.account}, ${right[first]!.bookedOn}, entry ${right[first]!.id}: ` +
          `ROWS frame ${right[first]!.total}, default RANGE frame ${range[first]!.total}`,
      );
  } finally {
    await db.close();
  }
});
