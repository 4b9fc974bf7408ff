// The source of truth for tests, demo and bench: a PostgreSQL table of quotes, and a loader whose one
// statement reads a quote and counts the load in the database itself (loads_by_key), so reloads are
// counted where they cost. `costMs` adds pg_sleep to stand for an expensive query. A fixture, not the
// package's API: imported by path.
import type pg from 'pg';
import type { Loader } from './cache.ts';

export interface Quote {
  key: string;
  price: number;
  /** Bumped by every setPrice(): tells a reloaded value from the one loaded before. */
  version: number;
}

export async function createQuotes(pool: pg.Pool, keys: readonly string[]): Promise<void> {
  await pool.query(`
    CREATE TABLE IF NOT EXISTS quotes (key text PRIMARY KEY, price int NOT NULL, version int NOT NULL DEFAULT 1);
    CREATE TABLE IF NOT EXISTS loads_by_key (key text PRIMARY KEY, loads int NOT NULL DEFAULT 0);`);
  await pool.query(
    `INSERT INTO quotes (key, price) SELECT k, 100 FROM unnest($1::text[]) AS k ON CONFLICT DO NOTHING`,
    [keys],
  );
}

/** A Loader on PostgreSQL: one statement counts the load and reads the quote (an unknown key throws). */
export function quoteLoader(pool: pg.Pool, costMs = 0): Loader<Quote> {
  return async (key) => {
    const { rows } = await pool.query<{ price: number | null; version: number | null }>(
      `WITH counted AS (
         INSERT INTO loads_by_key (key, loads) VALUES ($1, 1)
         ON CONFLICT (key) DO UPDATE SET loads = loads_by_key.loads + 1)
       SELECT q.price, q.version FROM (SELECT pg_sleep($2::float8 / 1000)) AS s
       LEFT JOIN quotes q ON q.key = $1`,
      [key, costMs],
    );
    const row = rows[0];
    if (row?.price == null || row.version == null) throw new Error(`no quote "${key}"`);
    return { key, price: row.price, version: row.version };
  };
}

/** Changes a quote in the database (the cache is not told: refresh-ahead picks it up on its next reload). */
export async function setPrice(pool: pg.Pool, key: string, price: number): Promise<void> {
  await pool.query('UPDATE quotes SET price = $2, version = version + 1 WHERE key = $1', [key, price]);
}

/** How many loads of `key` PostgreSQL has seen. */
export async function loadsAtDatabase(pool: pg.Pool, key: string): Promise<number> {
  const { rows } = await pool.query<{ loads: number }>('SELECT loads FROM loads_by_key WHERE key = $1', [key]);
  return rows[0]?.loads ?? 0;
}

/** How many loads of all of `keys` PostgreSQL has seen. */
export async function totalLoads(pool: pg.Pool, keys: readonly string[]): Promise<number> {
  const { rows } = await pool.query<{ loads: string | null }>(
    'SELECT sum(loads) AS loads FROM loads_by_key WHERE key = ANY($1::text[])',
    [keys],
  );
  return Number(rows[0]?.loads ?? 0);
}
