// A shop with known problems, shared by tests, demo and bench: customers whose columns `region` and
// `segment` always hold the same value (correlated: the planner multiplies their selectivities),
// orders with a foreign-key index but none on `reference`. Generated server-side with generate_series,
// deterministic from a seed. Each case is a query with a planted problem and the change that fixes it.
import { check, postgresCall } from './errors.ts';
import type { FindingKind } from './findings.ts';
import type { ConnectionSource, ExplainOptions } from './explain.ts';

export interface ShopSize {
  customers: number;
  ordersPerCustomer: number;
  /** Decides notes and references (default 1). */
  seed?: number;
}

/** 100 regions; a customer's segment always equals its region (think city and postcode). */
export const REGIONS = 100;

export async function createShop(
  pool: ConnectionSource,
  size: ShopSize,
): Promise<{ customers: number; orders: number }> {
  check.kind(typeof pool?.query === 'function', 'pool', 'must be a pg.Pool (an object with query())', pool);
  check.kind(typeof size === 'object' && size !== null, 'size', 'must be an object', size);
  check.positiveInt('size.customers', size.customers);
  check.positiveInt('size.ordersPerCustomer', size.ordersPerCustomer);
  const seed = size.seed ?? 1;
  check.nonNegativeInt('size.seed', seed);
  const customers = size.customers;
  const orders = customers * size.ordersPerCustomer;
  await postgresCall('creating the shop', async () => {
    await pool.query(`
      CREATE TABLE customers (id int PRIMARY KEY, region int NOT NULL, segment int NOT NULL, name text NOT NULL);
      CREATE INDEX customers_region_segment ON customers (region, segment);
      CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers,
                           amount int NOT NULL, reference text NOT NULL, note text NOT NULL);`);
    await pool.query(
      `INSERT INTO customers SELECT i, i % ${REGIONS}, i % ${REGIONS}, 'customer ' || left(md5($2 || ':' || i), 12)
         FROM generate_series(1, $1::int) i`,
      [customers, seed],
    );
    // Orders of one customer are spread through the table (7919 is prime), as if placed over time.
    await pool.query(
      `INSERT INTO orders
       SELECT i, 1 + (i::bigint * 7919) % $2::int, i % 1000, 'R' || lpad(i::text, 9, '0'), md5($3 || ':' || i)
         FROM generate_series(1, $1::int) i`,
      [orders, customers, seed],
    );
    await pool.query('CREATE INDEX orders_customer_id ON orders (customer_id); ANALYZE customers, orders');
  });
  return { customers, orders };
}

export interface ShopCase {
  /** Names it in tests, plans and the bench: lower case and dashes. */
  id: string;
  title: string;
  sql: string;
  values: unknown[];
  /** What the explainer must name before the fix (and not after). */
  expects: FindingKind[];
  /** Explain options before the fix (e.g. the default work_mem). */
  before: ExplainOptions;
  /** Options after the fix (its own work_mem), or the same. */
  after: ExplainOptions;
  /** DDL that fixes it (CREATE INDEX / CREATE STATISTICS, then ANALYZE), if any. */
  fix?: string;
  /** ... and the DDL that undoes it, so before and after can be compared again. */
  unfix?: string;
}

/** Orders the sort case sorts (amount is id % 1000, so a filter on it picks a share of any table). */
export const SORTED_ORDERS = 100_000;

/** The planted problems, each with its fix, for a shop of `orderCount` orders. */
export function shopCases(orderCount: number): ShopCase[] {
  const ref = `R${String(Math.ceil(orderCount / 2)).padStart(9, '0')}`;
  return [
    {
      id: 'seq-scan',
      title: 'Look up one order by its reference (no index on reference)',
      sql: 'SELECT id, amount FROM orders WHERE reference = $1',
      values: [ref],
      expects: ['seq-scan'],
      before: {},
      after: {},
      fix: 'CREATE INDEX orders_reference ON orders (reference); ANALYZE orders',
      unfix: 'DROP INDEX orders_reference',
    },
    {
      id: 'misestimate',
      title: 'Order totals of one region and segment (correlated columns, no extended statistics)',
      sql: `SELECT c.name, sum(o.amount) AS total FROM customers c JOIN orders o ON o.customer_id = c.id
             WHERE c.region = $1 AND c.segment = $1 GROUP BY c.name`,
      values: [7],
      expects: ['misestimate', 'nested-loop'],
      before: {},
      after: {},
      fix: 'CREATE STATISTICS customers_region_segment_stats (dependencies) ON region, segment FROM customers; ANALYZE customers',
      unfix: 'DROP STATISTICS customers_region_segment_stats; ANALYZE customers',
    },
    {
      id: 'sort-spill',
      title: `Rank ${SORTED_ORDERS.toLocaleString('en-US')} orders by note (a sort larger than the default work_mem of 4MB)`,
      sql: `SELECT max(rn) FROM (SELECT row_number() OVER (ORDER BY note) AS rn FROM orders WHERE amount < $1) ranked`,
      values: [Math.min(1000, Math.ceil((SORTED_ORDERS * 1000) / orderCount))],
      expects: ['sort-spill'],
      before: { settings: { work_mem: '4MB' } },
      after: { settings: { work_mem: '256MB' } },
    },
  ];
}

/** Queries with nothing to name: a primary-key lookup, a count of a whole table (a right Seq Scan), a planned nested loop. */
export const GOOD_QUERIES: Array<{ id: string; sql: string; values: unknown[] }> = [
  { id: 'by-primary-key', sql: 'SELECT id, amount FROM orders WHERE id = $1', values: [42] },
  { id: 'count-all', sql: 'SELECT count(*) FROM customers', values: [] },
  // A nested loop over 80 customers, as many as the planner expected.
  {
    id: 'planned-nested-loop',
    sql: 'SELECT c.name, o.amount FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.id <= $1',
    values: [80],
  },
];
