// The database the cache sits in front of: a shop's products and order lines in PostgreSQL, a
// category dashboard that aggregates thousands of order lines per read (the query worth caching),
// and the write path that records an order. `catalogService` wires them to the cache correctly;
// `naiveCatalogService` makes the two classic mistakes on purpose.
// A fixture, not the package's API: the index does not export it; the tests, the demo and the bench
// import this file by path.
import type pg from 'pg';
import type { CacheAside } from './cache.ts';
import { check } from './errors.ts';

export interface Dashboard {
  category: string;
  /** Products of the category that sold at least once. */
  productsSold: number;
  orderLines: number;
  units: number;
  revenueCents: number;
  top: { id: number; name: string; units: number };
}

export interface SeedOptions {
  categories: number;
  productsPerCategory: number;
  linesPerProduct: number;
}

type Queryable = Pick<pg.Pool, 'query'>;

const SCHEMA = `
  CREATE TABLE products (
    id          int PRIMARY KEY,
    category    text NOT NULL,
    name        text NOT NULL,
    price_cents int  NOT NULL,
    stock       int  NOT NULL CHECK (stock >= 0)
  );
  CREATE TABLE order_lines (
    id               bigserial PRIMARY KEY,
    product_id       int NOT NULL,
    quantity         int NOT NULL CHECK (quantity > 0),
    unit_price_cents int NOT NULL,
    ordered_at       timestamptz NOT NULL
  );
`;

// Added after the bulk insert: checking a foreign key row by row and growing an index as rows
// arrive is several times slower than building both once.
const CONSTRAINTS = `
  ALTER TABLE order_lines ADD FOREIGN KEY (product_id) REFERENCES products (id);
  CREATE INDEX order_lines_product_id ON order_lines (product_id);
  CREATE INDEX products_category ON products (category);
`;

/** The category names the seed uses: "category-1" ... */
export const categoryName = (n: number): string => `category-${n}`;

/**
 * Creates the tables and fills them deterministically (same options, same rows): products numbered
 * from 1, category-1 first; order line g of product p has quantity 1 + (g + p) % 5.
 */
export async function seedCatalog(
  db: Queryable,
  options: SeedOptions,
): Promise<{ products: number; orderLines: number }> {
  const { categories, productsPerCategory, linesPerProduct } = options;
  for (const [name, v] of Object.entries(options)) check.positiveInt(name, v);
  const products = categories * productsPerCategory;
  await db.query(SCHEMA);
  await db.query(
    `INSERT INTO products (id, category, name, price_cents, stock)
     SELECT p, 'category-' || (1 + (p - 1) / $2), 'product ' || p, 100 + (p * 37) % 9900, 1000
     FROM generate_series(1, $1::int) AS p`,
    [products, productsPerCategory],
  );
  await db.query(
    `INSERT INTO order_lines (product_id, quantity, unit_price_cents, ordered_at)
     SELECT p.id, 1 + (g + p.id) % 5, p.price_cents, now() - make_interval(mins => g)
     FROM products p CROSS JOIN generate_series(1, $1::int) AS g`,
    [linesPerProduct],
  );
  await db.query(CONSTRAINTS);
  // A steady-state table, as in production: statistics for the planner, hint bits and the visibility
  // map set (VACUUM cannot run inside the multi-statement string above).
  await db.query('VACUUM ANALYZE products');
  await db.query('VACUUM ANALYZE order_lines');
  return { products, orderLines: products * linesPerProduct };
}

/** The expensive read: every order line of the category's products, aggregated, plus its best seller. */
export async function loadDashboard(db: Queryable, category: string): Promise<Dashboard | null> {
  const { rows } = await db.query<{
    products_sold: number;
    order_lines: number;
    units: number;
    revenue_cents: string;
    top: { id: number; name: string; units: number };
  }>(
    `WITH sales AS (
       SELECT p.id, p.name, count(*) AS lines, sum(l.quantity) AS units, sum(l.quantity * l.unit_price_cents) AS revenue
       FROM products p JOIN order_lines l ON l.product_id = p.id
       WHERE p.category = $1
       GROUP BY p.id, p.name
     )
     SELECT count(*)::int AS products_sold, sum(lines)::int AS order_lines, sum(units)::int AS units,
            sum(revenue)::bigint AS revenue_cents,
            (SELECT json_build_object('id', id, 'name', name, 'units', units) FROM sales ORDER BY units DESC, id LIMIT 1) AS top
     FROM sales`,
    [category],
  );
  const r = rows[0];
  if (!r || r.products_sold === 0) return null;
  return {
    category,
    productsSold: r.products_sold,
    orderLines: r.order_lines,
    units: r.units,
    revenueCents: Number(r.revenue_cents),
    top: r.top,
  };
}

/** The cheap read, for contrast: one product by primary key. */
export async function loadProduct(
  db: Queryable,
  id: number,
): Promise<{ id: number; name: string; priceCents: number; stock: number } | null> {
  const { rows } = await db.query<{ id: number; name: string; price_cents: number; stock: number }>(
    'SELECT id, name, price_cents, stock FROM products WHERE id = $1',
    [id],
  );
  const r = rows[0];
  return r ? { id: r.id, name: r.name, priceCents: r.price_cents, stock: r.stock } : null;
}

export const dashboardKey = (category: string): string => `dashboard:${category}`;

/**
 * One order in one transaction: record the order line, then take the stock (the CHECK rejects
 * overselling and rolls everything back). Returns the product's category: the dashboard that changed.
 */
async function orderInTransaction(
  client: pg.PoolClient,
  productId: number,
  quantity: number,
  afterInsert?: (category: string) => Promise<void>,
): Promise<string> {
  await client.query('BEGIN');
  try {
    const { rows } = await client.query<{ category: string }>(
      `INSERT INTO order_lines (product_id, quantity, unit_price_cents, ordered_at)
       SELECT id, $2, price_cents, now() FROM products WHERE id = $1
       RETURNING (SELECT category FROM products WHERE id = $1) AS category`,
      [productId, quantity],
    );
    const category = rows[0]?.category;
    if (category === undefined) throw new Error(`product ${productId} does not exist`);
    await afterInsert?.(category);
    await client.query('UPDATE products SET stock = stock - $2 WHERE id = $1', [productId, quantity]);
    await client.query('COMMIT');
    return category;
  } catch (e) {
    await client.query('ROLLBACK');
    throw e;
  }
}

async function withClient<R>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<R>): Promise<R> {
  const client = await pool.connect();
  try {
    return await fn(client);
  } finally {
    client.release();
  }
}

function checkOrder(productId: number, quantity: number): void {
  check.positiveInt('productId', productId);
  check.positiveInt('quantity', quantity);
}

export interface CatalogService {
  dashboard(category: string): Promise<Dashboard | null>;
  recordOrder(productId: number, quantity: number): Promise<void>;
}

/** The correct wiring: reads through the cache; writes commit first, then invalidate the dashboard. */
export function catalogService(pool: pg.Pool, cache: CacheAside<Dashboard | null>): CatalogService {
  return {
    dashboard: (category) => cache.readThrough(dashboardKey(category), () => loadDashboard(pool, category)),
    async recordOrder(productId, quantity) {
      checkOrder(productId, quantity);
      const category = await withClient(pool, (c) => orderInTransaction(c, productId, quantity));
      await cache.invalidate(dashboardKey(category)); // after COMMIT: the next read loads the new rows
    },
  };
}

export type NaiveMistake =
  /** Commits the order and leaves the cached dashboard alone: readers see the old one until the TTL ends. */
  | 'forget-invalidate'
  /** "Write-through": computes the new dashboard inside the transaction and SETs it before COMMIT. */
  | 'set-before-commit';

/** The same service with a classic cache bug, for the break-it tests and the demo. */
export function naiveCatalogService(
  pool: pg.Pool,
  cache: CacheAside<Dashboard | null>,
  redis: { set(key: string, value: string, px: 'PX', ms: number): Promise<unknown> },
  mistake: NaiveMistake,
): CatalogService {
  return {
    dashboard: (category) => cache.readThrough(dashboardKey(category), () => loadDashboard(pool, category)),
    async recordOrder(productId, quantity) {
      checkOrder(productId, quantity);
      if (mistake === 'forget-invalidate') {
        await withClient(pool, (c) => orderInTransaction(c, productId, quantity));
        return;
      }
      await withClient(pool, (c) =>
        orderInTransaction(c, productId, quantity, async (category) => {
          // Reads its own uncommitted rows and publishes them: if the transaction rolls back now,
          // the cache holds an order that never happened.
          const next = await loadDashboard(c, category);
          await redis.set(cache.redisKey(dashboardKey(category)), JSON.stringify(next), 'PX', cache.ttlMs);
        }),
      );
    },
  };
}
