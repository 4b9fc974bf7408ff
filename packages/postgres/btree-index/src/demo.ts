// pnpm --filter poc-postgres-btree-index demo: the same 200,000 orders with and without B-trees, the
// plan and the pages each query touched, the query that hides its column from the index, and what
// the indexes cost in bytes. Plans and page counts come from EXPLAIN (ANALYZE, BUFFERS) just run.
import { postgresDatabase, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import { EPOCH, explainPlan, orderRow, ordersTable, type PlanSummary } from './index.ts';
import { naiveOrderQueries } from './naive.ts';

const ROWS = 200_000;
const SEED = 1;
const say = (line = ''): void => console.log(line);
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const scans = (p: PlanSummary): string =>
  p.nodes
    .filter((n) => /Scan$/.test(n['Node Type']))
    .map((n) => `${n['Node Type']}${n['Index Name'] ? ` using ${n['Index Name']}` : ''}`)
    .join(' + ');
const line = (label: string, p: PlanSummary): string =>
  `  ${label.padEnd(22)} ${scans(p).padEnd(62)} ${String(p.sharedBlocks).padStart(5)} pages`;

runMain(async () => {
  const server = await serverFor('postgres');
  const db = await postgresDatabase({ name: 'demo' }); // a database of its own, removed at the end
  const pool = db.pool({ max: 2 });
  try {
    say(`B-tree index demo: postgres ${server.version} (${server.provider})`);
    const plain = ordersTable(pool, { table: 'orders_plain', seed: SEED, indexed: false });
    const indexed = ordersTable(pool, { table: 'orders_indexed', seed: SEED });
    await plain.load(ROWS);
    await indexed.load(ROWS);
    say(
      `Loaded ${ROWS.toLocaleString('en')} orders twice: orders_plain (primary key only), orders_indexed (+ B-trees on code, placed_at).`,
    );

    const target = orderRow(123_456, SEED);
    const found = await indexed.findByCode(target.code);
    const same = JSON.stringify(found) === JSON.stringify(await plain.findByCode(target.code));
    say(`\nPoint lookup WHERE code = '${target.code}': order ${found?.id}, same row from both tables: ${same}`);
    say(line('without the index', await explainPlan(pool, plain.sql.findByCode, [target.code], { analyze: true })));
    say(line('with the B-tree', await explainPlan(pool, indexed.sql.findByCode, [target.code], { analyze: true })));

    const from = new Date(EPOCH.getTime() + 30 * 86_400_000);
    const to = new Date(from.getTime() + 86_400_000);
    const totals = await indexed.totalsBetween(from, to);
    const sameTotals = JSON.stringify(totals) === JSON.stringify(await plain.totalsBetween(from, to));
    say(
      `\nOne day's orders (${from.toISOString().slice(0, 10)}): ${totals.orders} orders, ${(totals.amountCents / 100).toFixed(2)} in all, same from both tables: ${sameTotals}`,
    );
    say(line('without the index', await explainPlan(pool, plain.sql.totalsBetween, [from, to], { analyze: true })));
    say(line('with the B-tree', await explainPlan(pool, indexed.sql.totalsBetween, [from, to], { analyze: true })));

    const naive = naiveOrderQueries(pool, indexed);
    say(`\nBreak it: the index exists, but the query wraps the column in an expression.`);
    say(
      line(
        'lower(code) = lower($1)',
        await explainPlan(pool, naive.sql.findByCodeAnyCase, [target.code], { analyze: true }),
      ),
    );
    say(
      line(
        'placed_at::date = $1',
        await explainPlan(pool, naive.sql.totalsOnDay, [from.toISOString().slice(0, 10)], { analyze: true }),
      ),
    );

    const sizes = await indexed.sizes();
    say(
      `\nWhat the indexes cost: table ${mb(sizes.tableBytes)}; ` +
        Object.entries(sizes.indexBytes)
          .sort()
          .map(([name, bytes]) => `${name} ${mb(bytes)}`)
          .join(', '),
    );
    say('Every INSERT now also writes into both B-trees: the bench measures what that costs in rows/s.');
  } finally {
    await pool.end();
    await db.close();
  }
});
