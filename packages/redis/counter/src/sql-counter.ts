// The comparison: a counter row in PostgreSQL. `UPDATE ... SET n = n + 1` is atomic too (the row
// lock makes concurrent updates wait and re-read the row), so it loses nothing — it is the cost
// that differs: every increment is a transaction that takes the row lock, writes a new row version
// and WAL, and holds the lock until its commit is done.
import type pg from 'pg';
import { check, requireName } from './errors.ts';

export interface SqlCounter {
  /** Creates the table if needed. */
  create(): Promise<void>;
  /** One autocommit `UPDATE ... SET n = n + 1`; resolves with the new value. Creates the row on first use. */
  increment(name: string): Promise<number>;
  get(name: string): Promise<number>;
  reset(name: string): Promise<void>;
}

export function sqlCounter(pool: Pick<pg.Pool, 'query'>, table = 'counters'): SqlCounter {
  check.kind(
    typeof pool === 'object' && pool !== null && typeof pool.query === 'function',
    'pool',
    'must be a pg Pool (with query)',
    pool,
  );
  check.that(
    typeof table === 'string' && /^[a-z_][a-z0-9_]{0,62}$/.test(table),
    'table',
    'must be a lowercase SQL identifier',
    table,
  );
  return {
    async create() {
      await pool.query(`CREATE TABLE IF NOT EXISTS ${table} (name text PRIMARY KEY, n bigint NOT NULL)`);
    },
    async increment(name) {
      requireName(name);
      const updated = await pool.query<{ n: string }>(`UPDATE ${table} SET n = n + 1 WHERE name = $1 RETURNING n`, [
        name,
      ]);
      if (updated.rows[0]) return Number(updated.rows[0].n);
      // First increment of this name: create the row (or add to the one a concurrent caller just created).
      const { rows } = await pool.query<{ n: string }>(
        `INSERT INTO ${table} (name, n) VALUES ($1, 1) ON CONFLICT (name) DO UPDATE SET n = ${table}.n + 1 RETURNING n`,
        [name],
      );
      return Number(rows[0]!.n);
    },
    async get(name) {
      requireName(name);
      const { rows } = await pool.query<{ n: string }>(`SELECT n FROM ${table} WHERE name = $1`, [name]);
      return rows[0] ? Number(rows[0].n) : 0;
    },
    async reset(name) {
      requireName(name);
      await pool.query(`DELETE FROM ${table} WHERE name = $1`, [name]);
    },
  };
}
