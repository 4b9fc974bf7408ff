// pnpm --filter poc-postgres-covering-index demo: 200,000 orders of 2,000 customers under a composite
// index and under the same index with INCLUDE (amount_cents); which query shapes each serves, the
// Index Only Scan, and the visibility map deciding its heap fetches (after a bulk load, VACUUM,
// updates, VACUUM). Every plan line comes from EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) just run.
import { postgresDatabase, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import { EPOCH, customerOrders, explainPlan, type CustomerOrders, type PlanSummary } from './index.ts';
import { naiveCustomerTotals } from './naive.ts';

const ROWS = 200_000;
const CUSTOMERS = 2_000;
const CUSTOMER = 42;
const say = (line = ''): void => console.log(line);
const scans = (p: PlanSummary): string =>
  p.nodes
    .filter((n) => /Scan$/.test(n['Node Type']))
    .map((n) => `${n['Node Type']}${n['Index Name'] ? ` using ${n['Index Name']}` : ''}`)
    .join(' + ');
const describe = (p: PlanSummary): string =>
  `${scans(p).padEnd(58)} ${String(p.sharedBlocks).padStart(5)} pages` +
  (p.nodeTypes.includes('Index Only Scan') ? `, heap fetches ${p.heapFetches}` : '');

runMain(async () => {
  const server = await serverFor('postgres');
  const db = await postgresDatabase({ name: 'demo' }); // a database of its own, removed at the end
  const pool = db.pool({ max: 2 });
  const show = async (label: string, sql: string, values: unknown[]): Promise<void> =>
    say(`  ${label.padEnd(30)} ${describe(await explainPlan(pool, sql, values, { analyze: true }))}`);
  try {
    say(`Covering index demo: postgres ${server.version} (${server.provider})`);
    const composite: CustomerOrders = customerOrders(pool, {
      table: 'orders_composite',
      index: 'composite',
      customers: CUSTOMERS,
    });
    const covering = customerOrders(pool, { table: 'orders_covering', index: 'covering', customers: CUSTOMERS });
    await composite.load(ROWS);
    await covering.load(ROWS);
    say(
      `Loaded ${ROWS.toLocaleString('en')} orders of ${CUSTOMERS.toLocaleString('en')} customers twice (autovacuum off on both):`,
    );
    say(
      `  orders_composite: (customer_id, placed_at)   orders_covering: (customer_id, placed_at) INCLUDE (amount_cents)`,
    );

    const from = new Date(EPOCH.getTime() + 86_400_000);
    const to = new Date(EPOCH.getTime() + 15 * 86_400_000);
    say(
      `\nRight after the bulk load (ANALYZE, no VACUUM): ${(await covering.visibility()).allVisible} of ${(await covering.visibility()).pages} heap pages all-visible.`,
    );
    await show('covering, customer_id = 42', covering.sql.byCustomer, [CUSTOMER]);

    await composite.vacuum();
    await covering.vacuum();
    const map = await covering.visibility();
    say(`\nAfter VACUUM: ${map.allVisible} of ${map.pages} pages all-visible. Column order (composite index):`);
    await show('customer_id = ? AND placed_at', composite.sql.byCustomerInRange, [CUSTOMER, from, to]);
    await show('customer_id = ?', composite.sql.byCustomer, [CUSTOMER]);
    await show('placed_at range alone', composite.sql.inRange, [from, to]);

    const totals = await covering.totals({ customerId: CUSTOMER });
    const same = JSON.stringify(totals) === JSON.stringify(await composite.totals({ customerId: CUSTOMER }));
    say(
      `\nCustomer ${CUSTOMER}: ${totals.orders} orders, ${(totals.amountCents / 100).toFixed(2)} in all (same from both tables: ${same})`,
    );
    await show('composite (heap visited)', composite.sql.byCustomer, [CUSTOMER]);
    await show('covering (index only)', covering.sql.byCustomer, [CUSTOMER]);
    await show('SELECT * on the covering table', naiveCustomerTotals(pool, covering).sql, [CUSTOMER]);

    const last = await covering.append(20_000);
    say(`\nA later bulk load of 20,000 orders (ids up to ${last}), no VACUUM yet:`);
    await show('covering (index only)', covering.sql.byCustomer, [CUSTOMER]);
    await covering.vacuum();
    const updated = await covering.touch(50);
    const touched = await covering.visibility();
    say(
      `VACUUM, then ${updated.toLocaleString('en')} rows updated (every 50th): ${touched.allVisible} of ${touched.pages} pages all-visible.`,
    );
    await show('covering (index only)', covering.sql.byCustomer, [CUSTOMER]);
    await covering.vacuum();
    say(
      `VACUUM again: ${(await covering.visibility()).allVisible} of ${(await covering.visibility()).pages} pages all-visible.`,
    );
    await show('covering (index only)', covering.sql.byCustomer, [CUSTOMER]);
  } finally {
    await pool.end();
    await db.close();
  }
});
