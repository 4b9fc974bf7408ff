// The source of truth for tests, demo and bench: a PostgreSQL table of report rows and a loader whose
// one statement both reads a row and counts the load in the database itself (loads_by_key), so a
// stampede is counted where it hurts, not by the client. `costMs` adds pg_sleep to stand for an
// expensive query. A fixture, not the package's API: imported by path.
import type pg from 'pg';
import type { Loader } from './stampede.ts';

export interface Report {
  key: string;
  total: number;
}

export async function createSource(pool: pg.Pool, keys: readonly string[]): Promise<void> {
  await pool.query(`
    CREATE TABLE IF NOT EXISTS reports (key text PRIMARY KEY, total int NOT NULL);
    CREATE TABLE IF NOT EXISTS loads_by_key (key text PRIMARY KEY, loads int NOT NULL DEFAULT 0);`);
  await pool.query(
    `INSERT INTO reports (key, total) SELECT k, length(k) * 100 FROM unnest($1::text[]) AS k ON CONFLICT DO NOTHING`,
    [keys],
  );
}

/** A Loader on PostgreSQL: one statement counts the load and reads the row (null when absent). */
export function reportLoader(pool: pg.Pool, costMs = 0): Loader<Report | null> {
  return async (key) => {
    const { rows } = await pool.query<{ total: number | null }>(
      `WITH counted AS (
         INSERT INTO loads_by_key (key, loads) VALUES ($1, 1)
         ON CONFLICT (key) DO UPDATE SET loads = loads_by_key.loads + 1)
       SELECT (SELECT total FROM reports WHERE key = $1) AS total, pg_sleep($2::float8 / 1000)`,
      [key, costMs],
    );
    const total = rows[0]?.total ?? null;
    return total === null ? null : { key, total };
  };
}

/** How many loads of `key` PostgreSQL has seen. */
export async function loadsAtDatabase(pool: pg.Pool, key: string): Promise<number> {
  const { rows } = await pool.query<{ loads: number }>('SELECT loads FROM loads_by_key WHERE key = $1', [key]);
  return rows[0]?.loads ?? 0;
}
