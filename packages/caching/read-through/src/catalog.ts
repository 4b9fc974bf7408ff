// The source of truth for tests, demo and bench: products and their reviews in PostgreSQL, and a Loader
// that reads one product with its review summary and counts its own calls in the database
// (loader_calls), so "the database was not asked" is checked where it matters. A fixture, imported by path.
import type pg from 'pg';
import type { Loader } from './read-through.ts';

export interface Product {
  id: number;
  name: string;
  reviews: number;
  rating: number;
}

/** Products 1..products, each with `reviewsPerProduct` reviews; ids above `products` do not exist. */
export async function seedProducts(pool: pg.Pool, products: number, reviewsPerProduct: number): Promise<void> {
  await pool.query(`
    CREATE TABLE products (id int PRIMARY KEY, name text NOT NULL);
    CREATE TABLE reviews (product_id int NOT NULL REFERENCES products (id), stars int NOT NULL);
    CREATE TABLE loader_calls (key text PRIMARY KEY, calls int NOT NULL);`);
  await pool.query(`INSERT INTO products SELECT p, 'product ' || p FROM generate_series(1, $1::int) p`, [products]);
  await pool.query(
    `INSERT INTO reviews SELECT p, 1 + (p * 7 + g) % 5 FROM generate_series(1, $1::int) p, generate_series(1, $2::int) g`,
    [products, reviewsPerProduct],
  );
  await pool.query('CREATE INDEX reviews_product ON reviews (product_id)');
  await pool.query('ANALYZE products; ANALYZE reviews');
}

/** product:<id> → the product and its review summary, or null when there is no such product. */
export function productLoader(pool: pg.Pool): Loader<Product> {
  return async (key) => {
    const id = Number(key.slice('product:'.length));
    const { rows } = await pool.query<{ name: string | null; reviews: number; rating: string | null }>(
      `WITH counted AS (
         INSERT INTO loader_calls VALUES ($1, 1) ON CONFLICT (key) DO UPDATE SET calls = loader_calls.calls + 1)
       SELECT p.name, count(r.*)::int AS reviews, round(avg(r.stars), 2) AS rating
       FROM (SELECT $2::int AS id) q LEFT JOIN products p ON p.id = q.id LEFT JOIN reviews r ON r.product_id = p.id
       GROUP BY p.name`,
      [key, id],
    );
    const r = rows[0];
    return r?.name ? { id, name: r.name, reviews: r.reviews, rating: Number(r.rating) } : null;
  };
}

/** The same read without counting: what a caller without a cache runs (the bench's baseline). */
export function productQuery(pool: pg.Pool): Loader<Product> {
  return async (key) => {
    const id = Number(key.slice('product:'.length));
    const { rows } = await pool.query<{ name: string; reviews: number; rating: string }>(
      `SELECT p.name, count(r.*)::int AS reviews, round(avg(r.stars), 2) AS rating
       FROM products p LEFT JOIN reviews r ON r.product_id = p.id WHERE p.id = $1 GROUP BY p.name`,
      [id],
    );
    const r = rows[0];
    return r ? { id, name: r.name, reviews: r.reviews, rating: Number(r.rating) } : null;
  };
}

export async function loaderCalls(pool: pg.Pool, key: string): Promise<number> {
  const { rows } = await pool.query<{ calls: number }>('SELECT calls FROM loader_calls WHERE key = $1', [key]);
  return rows[0]?.calls ?? 0;
}
