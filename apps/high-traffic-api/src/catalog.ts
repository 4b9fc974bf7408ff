// The PostgreSQL side: a product catalogue with reviews, seeded on first start, and the two reads
// worth caching (a product with its review statistics, a category page ranked by rating).
import type pg from 'pg';
import { check } from './errors.ts';

type Queryable = Pick<pg.Pool, 'query'>;

export const CATEGORIES = [
  'books',
  'games',
  'garden',
  'kitchen',
  'music',
  'office',
  'outdoor',
  'pets',
  'sports',
  'tools',
  'toys',
  'travel',
] as const;

export interface Product {
  id: number;
  sku: string;
  name: string;
  category: string;
  priceCents: number;
  stock: number;
  updatedAt: string;
  reviews: { count: number; average: number | null; histogram: Record<'1' | '2' | '3' | '4' | '5', number> };
  /** 1 = the cheapest product of its category. */
  priceRankInCategory: number;
}

export interface ProductSummary {
  id: number;
  name: string;
  priceCents: number;
  stock: number;
  reviewCount: number;
  averageRating: number | null;
}

export interface SeedOptions {
  /** Products to create when the table is empty (default 3000). */
  products?: number;
  /** Reviews per product (default 30). */
  reviewsPerProduct?: number;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS products (
    id          int PRIMARY KEY,
    sku         text NOT NULL UNIQUE,
    name        text NOT NULL,
    category    text NOT NULL,
    price_cents int  NOT NULL CHECK (price_cents >= 0),
    stock       int  NOT NULL CHECK (stock >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX IF NOT EXISTS products_category_idx ON products (category, price_cents);
  CREATE TABLE IF NOT EXISTS reviews (
    id         bigserial PRIMARY KEY,
    product_id int NOT NULL REFERENCES products (id),
    rating     smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    body       text NOT NULL
  );
  CREATE INDEX IF NOT EXISTS reviews_product_idx ON reviews (product_id);`;

/**
 * Creates the tables and, if `products` is empty, fills it (deterministic data). Several instances
 * may start at once: a transaction-scoped advisory lock makes exactly one of them seed.
 * Resolves with the number of products seeded by this call (0 when another call already did).
 */
export async function seedCatalog(pool: pg.Pool, options: SeedOptions = {}): Promise<number> {
  const { products = 3_000, reviewsPerProduct = 30 } = options;
  check.positiveInt('products', products);
  check.nonNegativeInt('reviewsPerProduct', reviewsPerProduct);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('high-traffic-api seed'))`);
    await client.query(SCHEMA);
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM products');
    if (rows[0]!.n > 0) {
      await client.query('COMMIT');
      return 0;
    }
    await client.query(
      `INSERT INTO products (id, sku, name, category, price_cents, stock)
       SELECT i, 'SKU-' || lpad(i::text, 6, '0'), initcap(($2::text[])[1 + i % $3]) || ' item ' || i,
              ($2::text[])[1 + i % $3], 199 + (i * 7919) % 20000, (i * 31) % 500
       FROM generate_series(1, $1::int) AS i`,
      [products, CATEGORIES, CATEGORIES.length],
    );
    await client.query(
      `INSERT INTO reviews (product_id, rating, body)
       SELECT p, least(5, 1 + p % 4 + (r % 3) / 2), 'review ' || r || ' of product ' || p
       FROM generate_series(1, $1::int) AS p, generate_series(1, $2::int) AS r`,
      [products, reviewsPerProduct],
    );
    await client.query('ANALYZE products; ANALYZE reviews;').catch(() => undefined);
    await client.query('COMMIT');
    return products;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

/** One product with its review statistics and its price rank in the category; null if there is none. */
export async function loadProduct(db: Queryable, id: number): Promise<Product | null> {
  const { rows } = await db.query<{
    id: number;
    sku: string;
    name: string;
    category: string;
    price_cents: number;
    stock: number;
    updated_at: Date;
    review_count: number;
    average: number | null;
    h1: number;
    h2: number;
    h3: number;
    h4: number;
    h5: number;
    price_rank: number;
  }>(
    `SELECT p.id, p.sku, p.name, p.category, p.price_cents, p.stock, p.updated_at,
            count(r.id)::int AS review_count, round(avg(r.rating), 2)::float8 AS average,
            count(*) FILTER (WHERE r.rating = 1)::int AS h1, count(*) FILTER (WHERE r.rating = 2)::int AS h2,
            count(*) FILTER (WHERE r.rating = 3)::int AS h3, count(*) FILTER (WHERE r.rating = 4)::int AS h4,
            count(*) FILTER (WHERE r.rating = 5)::int AS h5,
            (SELECT count(*)::int + 1 FROM products q WHERE q.category = p.category AND q.price_cents < p.price_cents) AS price_rank
     FROM products p LEFT JOIN reviews r ON r.product_id = p.id
     WHERE p.id = $1
     GROUP BY p.id`,
    [id],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    id: r.id,
    sku: r.sku,
    name: r.name,
    category: r.category,
    priceCents: r.price_cents,
    stock: r.stock,
    updatedAt: r.updated_at.toISOString(),
    reviews: {
      count: r.review_count,
      average: r.average,
      histogram: { '1': r.h1, '2': r.h2, '3': r.h3, '4': r.h4, '5': r.h5 },
    },
    priceRankInCategory: r.price_rank,
  };
}

/** The best-rated products of a category (aggregates every review of the category). */
export async function listProducts(db: Queryable, category: string, limit: number): Promise<ProductSummary[]> {
  const { rows } = await db.query<{
    id: number;
    name: string;
    price_cents: number;
    stock: number;
    review_count: number;
    average: number | null;
  }>(
    `SELECT p.id, p.name, p.price_cents, p.stock, count(r.id)::int AS review_count, round(avg(r.rating), 2)::float8 AS average
     FROM products p LEFT JOIN reviews r ON r.product_id = p.id
     WHERE p.category = $1
     GROUP BY p.id
     ORDER BY average DESC NULLS LAST, p.id
     LIMIT $2`,
    [category, limit],
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    priceCents: r.price_cents,
    stock: r.stock,
    reviewCount: r.review_count,
    averageRating: r.average,
  }));
}

/** Sets price and/or stock; resolves with the product's category, or null if there is no such product. */
export async function updateProduct(
  db: Queryable,
  id: number,
  change: { priceCents?: number; stock?: number },
): Promise<{ category: string } | null> {
  const { rows } = await db.query<{ category: string }>(
    `UPDATE products SET price_cents = coalesce($2, price_cents), stock = coalesce($3, stock), updated_at = now()
     WHERE id = $1 RETURNING category`,
    [id, change.priceCents ?? null, change.stock ?? null],
  );
  return rows[0] ?? null;
}
