// pnpm --filter poc-postgres-explain demo: a shop with planted problems on a real PostgreSQL; each
// query explained before and after the fix its finding points to, then the good queries, then what the
// naive check (plain EXPLAIN, "any Seq Scan?") says about the same queries.
import { postgresDatabase, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import { GOOD_QUERIES, createShop, explainer, shopCases, type ExplainReport } from './index.ts';
import { naiveExplainer } from './naive.ts';

const say = (line = ''): void => console.log(line);
const show = (r: ExplainReport): void => {
  if (r.findings.length === 0) say('    no findings');
  for (const f of r.findings) say(`    ${f.kind.padEnd(12)} ${f.node}: ${f.detail}`);
};

runMain(async () => {
  const server = await serverFor('postgres');
  const db = await postgresDatabase({ name: 'demo' });
  try {
    say(`EXPLAIN findings demo: PostgreSQL ${server.version} (${server.provider})`);
    const pool = db.pool({ max: 3 });
    const size = await createShop(pool, { customers: 20_000, ordersPerCustomer: 10, seed: 1 });
    say(`Shop: ${size.customers} customers, ${size.orders} orders (generated server-side, seed 1, ANALYZEd)\n`);
    const cases = shopCases(size.orders);
    const naive: string[] = [];
    for (const c of cases) {
      say(`${c.title}`);
      say(`  ${c.sql.replace(/\s+/g, ' ')}`);
      naive.push(
        `  ${c.id.padEnd(20)} ${(await naiveExplainer(pool).explain(c.sql, c.values)).findings.map((f) => f.node).join(', ') || 'nothing'}`,
      );
      say(`  before${c.before.settings ? ` (work_mem ${c.before.settings.work_mem})` : ''}:`);
      show(await explainer(pool, c.before).explain(c.sql, c.values));
      if (c.fix) await pool.query(c.fix);
      say(`  after ${c.fix ? c.fix.split(';')[0] : `work_mem ${c.after.settings!.work_mem}`}:`);
      show(await explainer(pool, c.after).explain(c.sql, c.values));
      say('');
    }
    say('Good queries:');
    for (const g of GOOD_QUERIES) {
      say(`  ${g.sql}`);
      show(await explainer(pool).explain(g.sql, g.values));
      naive.push(
        `  ${g.id.padEnd(20)} ${(await naiveExplainer(pool).explain(g.sql, g.values)).findings.map((f) => f.node).join(', ') || 'nothing'}`,
      );
    }
    say('\nThe naive check (plain EXPLAIN, flag every Seq Scan) on the same queries, before any fix:');
    for (const line of naive) say(line);
    say('\nIt sees no actual rows, loops or sort space, so it cannot name the misestimate, the runaway loop');
    say('or the spill, and it names the Seq Scan of count(*), which is the right plan there.');
  } finally {
    await db.close();
  }
});
