// The source of truth of the tests, the demo and the bench: user profiles in PostgreSQL with a version
// column. Every write bumps the version in the same UPDATE and returns it: the token a session keeps.
// A fixture, not the package's API: imported by path.
import type pg from 'pg';
import { check, postgresCall } from './errors.ts';
import type { Loader, Versioned } from './read-your-writes.ts';

type Queryable = Pick<pg.Pool, 'query'>;

/** The key of profile `i` (1-based). */
export const profileKey = (i: number): string => `user-${i}`;

/** Creates the table and profiles "user-1" ... "user-N", each with display name "initial" at version 0. */
export async function createProfiles(db: Queryable, count: number): Promise<void> {
  check.positiveInt('count', count);
  await postgresCall('creating the profiles', async () => {
    await db.query(`CREATE TABLE IF NOT EXISTS profiles (
      id text PRIMARY KEY, display_name text NOT NULL, version bigint NOT NULL)`);
    await db.query('TRUNCATE profiles');
    await db.query(
      `INSERT INTO profiles (id, display_name, version)
       SELECT 'user-' || i, 'initial', 0 FROM generate_series(1, $1::int) AS i`,
      [count],
    );
  });
}

/** The loader: a profile's display name and version, read in one statement. */
export function profileLoader(db: Queryable): Loader<Versioned<string>> {
  return async (key) => {
    const { rows } = await postgresCall(`loading profile "${key}"`, () =>
      db.query<{ display_name: string; version: string }>('SELECT display_name, version FROM profiles WHERE id = $1', [
        key,
      ]),
    );
    const row = rows[0];
    if (!row) throw new Error(`no profile "${key}"`);
    return { value: row.display_name, version: Number(row.version) };
  };
}

/** One committed write: a new display name and the next version, both returned. */
export async function writeProfile(db: Queryable, key: string, value: string): Promise<Versioned<string>> {
  const { rows } = await postgresCall(`writing profile "${key}"`, () =>
    db.query<{ version: string }>(
      'UPDATE profiles SET display_name = $2, version = version + 1 WHERE id = $1 RETURNING version',
      [key, value],
    ),
  );
  const row = rows[0];
  if (!row) throw new Error(`no profile "${key}"`);
  return { value, version: Number(row.version) };
}
