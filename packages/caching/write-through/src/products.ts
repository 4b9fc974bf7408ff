// The source of truth for tests, demo and bench: a PostgreSQL table of product prices whose CHECK rejects
// a negative price (a database write that fails for a reason the cache knows nothing of), with the
// Writer and Loader a write-through cache takes. A fixture, not the package's API: imported by path.
import type pg from 'pg';
import type { Loader, Writer } from './write-through.ts';

export interface Price {
  cents: number;
}

export async function createProducts(pool: pg.Pool, ids: readonly string[]): Promise<void> {
  await pool.query(`
    CREATE TABLE IF NOT EXISTS products (
      id text PRIMARY KEY,
      price_cents int NOT NULL CONSTRAINT price_not_negative CHECK (price_cents >= 0),
      updated_at timestamptz NOT NULL DEFAULT now())`);
  await pool.query(
    `INSERT INTO products (id, price_cents) SELECT id, 100 FROM unnest($1::text[]) AS id ON CONFLICT DO NOTHING`,
    [ids],
  );
}

/** Upserts the price: one statement that locks the row until the transaction ends. */
export const writePrice: Writer<Price> = async (db, id, value) => {
  await db.query(
    `INSERT INTO products (id, price_cents) VALUES ($1, $2)
     ON CONFLICT (id) DO UPDATE SET price_cents = EXCLUDED.price_cents, updated_at = now()`,
    [id, value.cents],
  );
};

export function loadPrice(pool: pg.Pool): Loader<Price> {
  return async (id) => {
    const { rows } = await pool.query<{ price_cents: number }>('SELECT price_cents FROM products WHERE id = $1', [id]);
    return rows[0] ? { cents: rows[0].price_cents } : null;
  };
}

/** The committed price, read from PostgreSQL (what the cache must agree with). */
export async function priceInDatabase(pool: pg.Pool, id: string): Promise<number | null> {
  return (await loadPrice(pool)(id))?.cents ?? null;
}
