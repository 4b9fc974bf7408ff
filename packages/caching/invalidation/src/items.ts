// The source of truth of the tests, the demo and the bench: rows with a version column in PostgreSQL.
// Every write bumps the version in the same UPDATE and returns it, so a writer knows which version to
// invalidate with. A fixture, not the package's API: the index does not export it.
import type pg from 'pg';
import type { Loader, Versioned } from './invalidation.ts';
import { check, postgresCall } from './errors.ts';

type Queryable = Pick<pg.Pool, 'query'>;

/** Creates the table and rows "item-1" ... "item-N", each with value "v0" at version 0. */
export async function createItems(db: Queryable, count: number): Promise<void> {
  check.positiveInt('count', count);
  await postgresCall('creating the items', async () => {
    await db.query(`CREATE TABLE IF NOT EXISTS items (
      key text PRIMARY KEY, value text NOT NULL, version bigint NOT NULL)`);
    await db.query('TRUNCATE items');
    await db.query(
      `INSERT INTO items (key, value, version) SELECT 'item-' || i, 'v0', 0 FROM generate_series(1, $1::int) AS i`,
      [count],
    );
  });
}

/** The loader for the versioned cache: the row's value and version, read in one statement. */
export function versionedItemLoader(db: Queryable, delayMs = 0): Loader<Versioned<string>> {
  return async (key) => {
    const { rows } = await postgresCall(`loading "${key}"`, () =>
      db.query<{ value: string; version: string }>(
        delayMs > 0
          ? 'SELECT value, version FROM items, pg_sleep($2::float / 1000) WHERE key = $1'
          : 'SELECT value, version FROM items WHERE key = $1',
        delayMs > 0 ? [key, delayMs] : [key],
      ),
    );
    const row = rows[0];
    if (!row) throw new Error(`no item "${key}"`);
    return { value: row.value, version: Number(row.version) };
  };
}

/** The loader for the other caches: the value alone. */
export function itemLoader(db: Queryable, delayMs = 0): Loader<string> {
  const versioned = versionedItemLoader(db, delayMs);
  return async (key, signal) => (await versioned(key, signal)).value;
}

/** One committed write: a new value and the next version. Returns both. */
export async function writeItem(db: Queryable, key: string, value: string): Promise<Versioned<string>> {
  const { rows } = await postgresCall(`writing "${key}"`, () =>
    db.query<{ version: string }>(
      'UPDATE items SET value = $2, version = version + 1 WHERE key = $1 RETURNING version',
      [key, value],
    ),
  );
  const row = rows[0];
  if (!row) throw new Error(`no item "${key}"`);
  return { value, version: Number(row.version) };
}

/** Every row, for comparing the cache with the database. */
export async function readAll(db: Queryable): Promise<Map<string, string>> {
  const { rows } = await db.query<{ key: string; value: string }>('SELECT key, value FROM items');
  return new Map(rows.map((r) => [r.key, r.value]));
}
