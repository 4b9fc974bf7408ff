// The lab's catalogue: a few products, their recommendations and reviews. Created and filled directly (not
// through the proxy) before the service starts; idempotent.
import type pg from 'pg';

export const PRODUCTS = [
  { id: 1, name: 'kettle', price: 39 },
  { id: 2, name: 'teapot', price: 25 },
  { id: 3, name: 'mug', price: 9 },
  { id: 4, name: 'tea tin', price: 12 },
] as const;

export async function seed(pool: pg.Pool): Promise<void> {
  await pool.query(`
    CREATE TABLE IF NOT EXISTS products (id int PRIMARY KEY, name text NOT NULL, price int NOT NULL);
    CREATE TABLE IF NOT EXISTS recommendations (product_id int NOT NULL, recommended_id int NOT NULL, rank int NOT NULL);
    CREATE TABLE IF NOT EXISTS reviews (product_id int NOT NULL, stars int NOT NULL, body text NOT NULL);
  `);
  for (const p of PRODUCTS)
    await pool.query('INSERT INTO products VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING', [p.id, p.name, p.price]);
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM reviews');
  if (rows[0]!.n > 0) return;
  for (const p of PRODUCTS) {
    for (const [rank, other] of PRODUCTS.filter((o) => o.id !== p.id).entries())
      await pool.query('INSERT INTO recommendations VALUES ($1, $2, $3)', [p.id, other.id, rank]);
    await pool.query('INSERT INTO reviews VALUES ($1, 5, $2), ($1, 4, $3)', [
      p.id,
      `great ${p.name}`,
      `fine ${p.name}`,
    ]);
  }
}
