// pnpm --filter poc-postgres-covering-index bench: a customer's order count and sum, side by side in one
// process, (1) from a covering index (Index Only Scan) vs the same composite index without INCLUDE
// (which visits a heap page per order), and (2) from the covering index after updates, before vs after
// VACUUM (the visibility map decides the heap fetches). Writes bench/results.json and bench/plans/
// (EXPLAIN (ANALYZE, BUFFERS) of every timed statement, both sides of each comparison).
// Three tables of the same rows, all created with autovacuum_enabled = off so no background VACUUM can
// change the "before" side while it is measured. Data generation is untimed.
import {
  benchProfile,
  benchReport,
  compareThroughput,
  explainAnalyze,
  postgresDatabase,
  postgresDurability,
  savePlans,
} from '@poc/harness';
import { runMain } from '@poc/kit';
import { customerOrders, explainPlan, type CustomerOrders } from '../src/index.ts';

const SHORT = benchProfile() === 'short';
const ROWS = SHORT ? 100_000 : 1_000_000;
const CUSTOMERS = ROWS / 100; // 100 orders per customer, each on its own heap page
const TOUCH_EVERY = 50; // the update that clears the visibility map: every 50th row (2%)
const SEED = 1;
const ROUNDS = 6; // the harness's interval reaches 95% from 6 rounds
const TIME_MS = 1_000;
const PROBES = 1_000;

const customers = Array.from({ length: PROBES }, (_, i) => 1 + ((i * 7_919) % CUSTOMERS));
function cursor(items: number[]): () => number {
  let i = 0;
  return () => items[i++ % items.length]!;
}

runMain(async () => {
  const db = await postgresDatabase({ name: 'covering_index_bench' }); // a database of its own
  const pool = db.pool({ max: 2 });
  try {
    const make = (table: string, index: 'composite' | 'covering'): CustomerOrders =>
      customerOrders(pool, { table, index, seed: SEED, customers: CUSTOMERS });
    const composite = make('orders_composite', 'composite');
    const covering = make('orders_covering', 'covering');
    const stale = make('orders_not_vacuumed', 'covering');
    // Same history for all three: bulk load, VACUUM, 2% of rows updated; then VACUUM on two of them.
    for (const t of [composite, covering, stale]) {
      await t.load(ROWS);
      await t.vacuum();
      await t.touch(TOUCH_EVERY);
    }
    await composite.vacuum();
    await covering.vacuum();

    // Same answers on all sides, and the plans the comparison is about, checked before anything is timed.
    for (const c of customers.slice(0, 20)) {
      const [a, b, s] = await Promise.all([composite, covering, stale].map((t) => t.totals({ customerId: c })));
      if (JSON.stringify(a) !== JSON.stringify(b) || JSON.stringify(a) !== JSON.stringify(s) || a!.orders === 0)
        throw new Error(`customer ${c}: totals differ: ${JSON.stringify([a, b, s])}`);
    }
    const probe = customers[1]!;
    const plans = await Promise.all(
      [composite, covering, stale].map((t) => explainPlan(pool, t.sql.byCustomer, [probe], { analyze: true })),
    );
    const [plainPlan, onlyPlan, stalePlan] = plans as [(typeof plans)[0], (typeof plans)[0], (typeof plans)[0]];
    if (
      plainPlan.nodeTypes.includes('Index Only Scan') ||
      !onlyPlan.nodeTypes.includes('Index Only Scan') ||
      onlyPlan.heapFetches !== 0 ||
      !stalePlan.nodeTypes.includes('Index Only Scan') ||
      stalePlan.heapFetches === 0
    )
      throw new Error(
        `unexpected plans: ${plans.map((p) => `${p.nodeTypes.join(' > ')} (heap fetches ${p.heapFetches})`).join('; ')}`,
      );

    const staleMap = await stale.visibility();
    const freshMap = await covering.visibility();
    const sizes = async (t: CustomerOrders): Promise<number> =>
      Number((await pool.query<{ b: string }>('SELECT pg_relation_size($1::regclass) AS b', [t.indexName])).rows[0]!.b);
    const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;
    const report = benchReport({
      parameters: {
        rows: ROWS,
        customers: CUSTOMERS,
        ordersPerCustomer: ROWS / CUSTOMERS,
        seed: SEED,
        query: 'SELECT count(*), sum(amount_cents) WHERE customer_id = $1, 1,000 customers in turn',
        compositeIndex: '(customer_id, placed_at)',
        coveringIndex: '(customer_id, placed_at) INCLUDE (amount_cents)',
        history: `bulk load, VACUUM, every ${TOUCH_EVERY}th row updated; then VACUUM on all but orders_not_vacuumed`,
        autovacuum: 'off on the three tables (autovacuum_enabled = off)',
        loadCommit: 'synchronous_commit = on for the load and update transactions (so VACUUM can set the map)',
        rounds: ROUNDS,
        timeMsPerVariantPerRound: TIME_MS,
        connections: 'one pool of 2; one caller at a time',
        tableMB: mb((await covering.visibility()).pages * 8192),
        compositeIndexMB: mb(await sizes(composite)),
        coveringIndexMB: mb(await sizes(covering)),
        sharedBuffers: (await pool.query<{ v: string }>(`SELECT current_setting('shared_buffers') AS v`)).rows[0]!.v,
        fitsInSharedBuffers: 'no: three tables and their indexes exceed it (the rest is in the OS page cache, RAM)',
        durability: await postgresDurability(pool),
      },
      services: ['postgres'],
    });

    const [c1, c2, c3, c4] = [cursor(customers), cursor(customers), cursor(customers), cursor(customers)];
    report.add(
      await compareThroughput({
        id: 'covering',
        title: `A customer's count and sum of ${ROWS / CUSTOMERS} orders among ${ROWS}, all pages all-visible: queries/s`,
        variants: {
          'composite index': () => composite.totals({ customerId: c1() }),
          'covering index': () => covering.totals({ customerId: c2() }),
        },
        baseline: 'composite index',
        rounds: ROUNDS,
        timeMs: TIME_MS,
      }),
    );
    report.add(
      await compareThroughput({
        id: 'vacuum',
        title: `The covering index's Index Only Scan after ${ROWS / TOUCH_EVERY} updates, without vs with a VACUUM since: queries/s`,
        variants: {
          'before VACUUM': () => stale.totals({ customerId: c3() }),
          'after VACUUM': () => covering.totals({ customerId: c4() }),
        },
        baseline: 'before VACUUM',
        rounds: ROUNDS,
        timeMs: TIME_MS,
      }),
    );

    report.add({
      id: 'heap-fetches',
      title: `Heap fetches and pages touched by one customer's query (EXPLAIN ANALYZE, customer ${probe})`,
      value:
        `before VACUUM: ${stalePlan.heapFetches} heap fetches, ${stalePlan.sharedBlocks} pages; ` +
        `after VACUUM: ${onlyPlan.heapFetches} heap fetches, ${onlyPlan.sharedBlocks} pages ` +
        `(${Math.round((stalePlan.sharedBlocks! / onlyPlan.sharedBlocks!) * 10) / 10}x fewer); ` +
        `composite index: ${plainPlan.sharedBlocks} pages`,
    });
    report.add({
      id: 'visibility-map',
      title: 'Heap pages marked all-visible when measured',
      value: `before VACUUM ${staleMap.allVisible} of ${staleMap.pages}; after VACUUM ${freshMap.allVisible} of ${freshMap.pages}`,
    });
    const sql = (t: CustomerOrders): string => t.sql.byCustomer;
    savePlans({
      'covering-composite-index': { sql: sql(composite), plan: await explainAnalyze(pool, sql(composite), [probe]) },
      'covering-covering-index': { sql: sql(covering), plan: await explainAnalyze(pool, sql(covering), [probe]) },
      'vacuum-before': { sql: sql(stale), plan: await explainAnalyze(pool, sql(stale), [probe]) },
      'vacuum-after': { sql: sql(covering), plan: await explainAnalyze(pool, sql(covering), [probe]) },
    });
    await report.finish(
      "Own claim (the roadmap gives no figure): on {param:rows} orders, a customer's count and sum from a covering " +
        'index (Index Only Scan) ÷ the same composite index without INCLUDE (heap visited) = {ratio:covering/covering index}. ' +
        'After 2% of the rows were updated, the index-only scan after VACUUM ÷ before = {ratio:vacuum/after VACUUM}; ' +
        '{fact:heap-fetches}.',
    );
  } finally {
    await pool.end();
    await db.close();
  }
});
