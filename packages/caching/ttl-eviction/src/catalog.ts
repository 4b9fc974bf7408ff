// The database behind the demo and the bench: a table of items in PostgreSQL and a Loader over it.
import type pg from 'pg';
import type { Loader } from './ttl-cache.ts';
import { postgresCall } from './errors.ts';

export interface Item {
  id: number;
  name: string;
  priceCents: number;
}

/** Creates the items table with `count` rows (ids 1..count). */
export async function seedItems(pool: pg.Pool, count: number): Promise<void> {
  await postgresCall('seeding items', async () => {
    await pool.query(
      'CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY, name text NOT NULL, price_cents int NOT NULL)',
    );
    await pool.query(
      `INSERT INTO items SELECT g, 'item-' || g, 100 + g % 900 FROM generate_series(1, $1) g ON CONFLICT DO NOTHING`,
      [count],
    );
  });
}

/** Loads `item:<id>` by primary key; an unknown id loads null. */
export function itemLoader(pool: pg.Pool): Loader<Item | null> {
  return (key) =>
    postgresCall(`loading "${key}"`, async () => {
      const id = Number(key.slice('item:'.length));
      const { rows } = await pool.query<{ id: number; name: string; price_cents: number }>(
        'SELECT id, name, price_cents FROM items WHERE id = $1',
        [id],
      );
      const row = rows[0];
      return row ? { id: row.id, name: row.name, priceCents: row.price_cents } : null;
    });
}
