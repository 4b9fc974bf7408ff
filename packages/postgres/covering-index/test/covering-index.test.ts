// The same 20,000 orders of 1,000 customers (20 each, each on its own heap page) under no index, a
// composite (customer_id, placed_at) index and the same index with INCLUDE (amount_cents), against the
// real server: the same totals everywhere (also checked against the generator), the plans the column
// order allows, the Index Only Scan the covering index gives, and the visibility map deciding whether
// that scan still visits the heap ("Heap Fetches" from EXPLAIN (ANALYZE, FORMAT JSON)). Tables are
// created with autovacuum off, so nothing but the test sets the visibility map.
import { postgresDatabase, type PostgresDatabase } from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EPOCH, customerOrders, explainPlan, orderRow, type CustomerOrders, type TotalsFilter } from '../src/index.ts';
import { naiveCustomerTotals } from '../src/naive.ts';

const ROWS = 20_000;
const CUSTOMERS = 1_000;
const SEED = 5;
const DAY_MS = 86_400_000;
const CUSTOMER = 42;
const from = new Date(EPOCH.getTime() + DAY_MS);
const to = new Date(EPOCH.getTime() + 4 * DAY_MS);

let db: PostgresDatabase;
let pool: pg.Pool;
const table = (name: string, index: 'none' | 'composite' | 'covering'): CustomerOrders =>
  customerOrders(pool, { table: name, index, seed: SEED, customers: CUSTOMERS });
beforeAll(async () => {
  db = await postgresDatabase({ name: 'covering_index' }); // a database of its own
  pool = db.pool({ max: 4 });
});
afterAll(async () => {
  await pool?.end();
  await db?.close();
});

/** The totals a filter must give over ids 1..rows, from the generator alone. */
function expected(filter: TotalsFilter, rows = ROWS): { orders: number; amountCents: number } {
  let orders = 0;
  let amountCents = 0;
  for (let id = 1; id <= rows; id++) {
    const o = orderRow(id, SEED, CUSTOMERS);
    if (filter.customerId !== undefined && o.customerId !== filter.customerId) continue;
    if (filter.from && (o.placedAt < filter.from || o.placedAt >= filter.to!)) continue;
    orders++;
    amountCents += o.amountCents;
  }
  return { orders, amountCents };
}

const scans = (nodeTypes: string[]): string[] => nodeTypes.filter((t) => /Scan$/.test(t));
const HEAP_VISITING = /^(Index Scan|Bitmap Heap Scan)$/;

describe('column order of a composite index (customer_id, placed_at)', () => {
  let none: CustomerOrders;
  let composite: CustomerOrders;
  beforeAll(async () => {
    none = table('by_none', 'none');
    composite = table('by_composite', 'composite');
    await Promise.all([none.load(ROWS), composite.load(ROWS, { batchRows: 7_000 })]);
    await Promise.all([none.vacuum(), composite.vacuum()]);
  });

  it('gives the same totals as no index, and the totals the generator defines', async () => {
    const filters: TotalsFilter[] = [{ customerId: CUSTOMER }, { customerId: CUSTOMER, from, to }, { from, to }];
    for (const filter of filters) {
      const want = expected(filter);
      expect(want.orders).toBeGreaterThan(0);
      expect(await composite.totals(filter)).toEqual(want);
      expect(await none.totals(filter)).toEqual(want);
    }
  });

  it('serves customer_id = ? AND a placed_at range with both columns in the index condition', async () => {
    const plan = await explainPlan(pool, composite.sql.byCustomerInRange, [CUSTOMER, from, to]);
    expect(plan.indexNames).toEqual(['by_composite_composite_idx']);
    const cond = String(plan.nodes.find((n) => n['Index Name'])!['Index Cond']);
    expect(cond).toContain('customer_id =');
    expect(cond).toContain('placed_at >=');
  });

  it('serves customer_id = ? alone (the leading column)', async () => {
    const plan = await explainPlan(pool, composite.sql.byCustomer, [CUSTOMER]);
    expect(plan.indexNames).toEqual(['by_composite_composite_idx']);
    expect(String(plan.nodes.find((n) => n['Index Name'])!['Index Cond'])).toBe('(customer_id = 42)');
  });

  it('does not serve a placed_at range alone: the second column is sorted only within each customer', async () => {
    const plan = await explainPlan(pool, composite.sql.inRange, [from, to]);
    expect(scans(plan.nodeTypes)).toEqual([expect.stringMatching(/^(Parallel )?Seq Scan$/)]);
    expect(plan.indexNames).toEqual([]);
  });

  it('reads the whole table for every shape without the index', async () => {
    for (const [sql, values] of [
      [none.sql.byCustomer, [CUSTOMER]],
      [none.sql.byCustomerInRange, [CUSTOMER, from, to]],
    ] as const) {
      const plan = await explainPlan(pool, sql, [...values]);
      expect(scans(plan.nodeTypes)).toEqual([expect.stringMatching(/^(Parallel )?Seq Scan$/)]);
    }
  });
});

describe('a covering index: INCLUDE (amount_cents)', () => {
  let composite: CustomerOrders;
  let covering: CustomerOrders;
  beforeAll(async () => {
    composite = table('cov_composite', 'composite');
    covering = table('cov_covering', 'covering');
    await Promise.all([composite.load(ROWS), covering.load(ROWS)]);
    await Promise.all([composite.vacuum(), covering.vacuum()]);
  });

  it('answers from the index alone (Index Only Scan, no heap fetch) where the plain composite index visits the heap', async () => {
    const want = expected({ customerId: CUSTOMER });
    expect(await covering.totals({ customerId: CUSTOMER })).toEqual(want);
    expect(await composite.totals({ customerId: CUSTOMER })).toEqual(want);
    const only = await explainPlan(pool, covering.sql.byCustomer, [CUSTOMER], { analyze: true });
    expect(scans(only.nodeTypes)).toEqual(['Index Only Scan']);
    expect(only.heapFetches).toBe(0);
    const plain = await explainPlan(pool, composite.sql.byCustomer, [CUSTOMER], { analyze: true });
    expect(scans(plain.nodeTypes).some((t) => HEAP_VISITING.test(t))).toBe(true);
    // The customer's 20 orders sit on 20 heap pages: the plain index pays for each of them on top of
    // its own pages; the index-only scan reads a root, a leaf and the visibility map.
    expect(plain.sharedBlocks).toBeGreaterThan(want.orders);
    expect(only.sharedBlocks).toBeLessThanOrEqual(4);
  });

  it('covers customer_id = ? AND a placed_at range too', async () => {
    const plan = await explainPlan(pool, covering.sql.byCustomerInRange, [CUSTOMER, from, to], { analyze: true });
    expect(scans(plan.nodeTypes)).toEqual(['Index Only Scan']);
    expect(plan.heapFetches).toBe(0);
    expect(await covering.totals({ customerId: CUSTOMER, from, to })).toEqual(
      expected({ customerId: CUSTOMER, from, to }),
    );
  });

  it('break it: SELECT * summed in the application gets the same totals but cannot use the index alone', async () => {
    const naive = naiveCustomerTotals(pool, covering);
    expect(await naive.totals(CUSTOMER)).toEqual(expected({ customerId: CUSTOMER }));
    const plan = await explainPlan(pool, naive.sql, [CUSTOMER], { analyze: true });
    expect(plan.indexNames).toEqual(['cov_covering_covering_idx']);
    expect(scans(plan.nodeTypes)).not.toContain('Index Only Scan');
    expect(scans(plan.nodeTypes).some((t) => HEAP_VISITING.test(t))).toBe(true);
  });
});

describe('the visibility map decides whether an index-only scan visits the heap', () => {
  let orders: CustomerOrders;
  const heapFetches = async (customerId = CUSTOMER): Promise<{ scans: string[]; fetches: number }> => {
    const plan = await explainPlan(pool, orders.sql.byCustomer, [customerId], { analyze: true });
    return { scans: scans(plan.nodeTypes), fetches: plan.heapFetches };
  };
  beforeAll(async () => {
    orders = table('vm_orders', 'covering');
    await orders.load(ROWS);
  });

  it('creates the table with autovacuum off, so only the test sets the map', async () => {
    const { rows } = await pool.query<{ options: string[] }>(
      `SELECT reloptions AS options FROM pg_class WHERE relname = 'vm_orders'`,
    );
    expect(rows[0]!.options).toEqual(['autovacuum_enabled=off']);
  });

  it('right after the bulk load no page is all-visible, and the planner (told so by ANALYZE) reads the heap instead', async () => {
    const map = await orders.visibility();
    expect(map.pages).toBeGreaterThan(200);
    expect(map.allVisible).toBe(0);
    const { scans: chosen } = await heapFetches();
    expect(chosen).not.toContain('Index Only Scan');
    expect(chosen.some((t) => HEAP_VISITING.test(t))).toBe(true);
  });

  it('after VACUUM every page is all-visible and the index-only scan fetches nothing from the heap', async () => {
    await orders.vacuum();
    const map = await orders.visibility();
    expect(map.allVisible).toBe(map.pages);
    expect(await heapFetches()).toEqual({ scans: ['Index Only Scan'], fetches: 0 });
  });

  it('a later bulk load: each new order the scan meets is a heap fetch, until the next VACUUM', async () => {
    const last = await orders.append(5_000, { batchRows: 2_500 });
    const added = expected({ customerId: CUSTOMER }, last).orders - expected({ customerId: CUSTOMER }).orders;
    expect(added).toBe(5);
    expect(await heapFetches()).toEqual({ scans: ['Index Only Scan'], fetches: added });
    expect(await orders.totals({ customerId: CUSTOMER })).toEqual(expected({ customerId: CUSTOMER }, last));
    await orders.vacuum();
    expect(await heapFetches()).toEqual({ scans: ['Index Only Scan'], fetches: 0 });
  });

  it('updates of 2% of the rows clear every page: the scan checks the heap for every order, until the next VACUUM', async () => {
    const rows = ROWS + 5_000;
    const updated = await orders.touch(50);
    expect(updated).toBe(rows / 50);
    const map = await orders.visibility();
    expect(map.allVisible).toBe(0);
    const before = await heapFetches();
    expect(before.scans).toEqual(['Index Only Scan']);
    expect(before.fetches).toBeGreaterThanOrEqual(expected({ customerId: CUSTOMER }, rows).orders);
    expect(await orders.totals({ customerId: CUSTOMER })).toEqual(expected({ customerId: CUSTOMER }, rows));
    await orders.vacuum();
    expect((await orders.visibility()).allVisible).toBe((await orders.visibility()).pages);
    expect(await heapFetches()).toEqual({ scans: ['Index Only Scan'], fetches: 0 });
  });
});
