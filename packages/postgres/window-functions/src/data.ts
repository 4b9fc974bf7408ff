// The schema both query sets read, and a data generator that fills it server-side with generate_series,
// deterministic from a seed (hashint8extended(i, seed), not random()), so the tests, the demo and the
// bench see the same rows for the same arguments. Every table is split into `groups` partitions of about
// `rowsPerGroup` rows: the window side costs O(n log n) in the rows, the correlated side O(n x rowsPerGroup).
import type pg from 'pg';
import { check, postgresCall } from './errors.ts';

/** Where a data set lives: a schema of the caller's choosing (a lower-case SQL identifier). */
export const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Checks a schema name and returns it quoted for SQL text. */
export function schemaName(argument: string, value: unknown): string {
  check.that(
    typeof value === 'string' && IDENTIFIER.test(value),
    argument,
    'must be a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 63 characters)',
    value,
  );
  return `"${value}"`;
}

export interface DataShape {
  /** Regions, accounts and users: the partitions of each window (PARTITION BY). */
  groups: number;
  /** Rows per region and per account; calendar days per user (about 70% of them visited). */
  rowsPerGroup: number;
  /** Same seed, same rows. Default 1. */
  seed?: number;
}

/**
 * Three tables, each with the index that helps the correlated side most (so the comparison is not
 * "window function vs no index"):
 *   sales(id, region, amount)            -- ranking: top-N amounts per region, with ties
 *   ledger(id, account, booked_on, amount) -- running balance per account, several entries a day
 *   visits(user_id, day)                 -- gaps and islands: streaks of consecutive days
 */
export async function createSchema(db: Pick<pg.Pool, 'query'>, schema: string): Promise<void> {
  const s = schemaName('schema', schema);
  await postgresCall(`creating schema ${s}`, () =>
    db.query(`
      CREATE SCHEMA IF NOT EXISTS ${s};
      CREATE TABLE ${s}.sales (id bigint PRIMARY KEY, region int NOT NULL, amount int NOT NULL);
      CREATE INDEX ON ${s}.sales (region, amount DESC, id);
      CREATE TABLE ${s}.ledger (id bigint PRIMARY KEY, account int NOT NULL, booked_on date NOT NULL, amount int NOT NULL);
      CREATE INDEX ON ${s}.ledger (account, booked_on, id) INCLUDE (amount);
      CREATE TABLE ${s}.visits (user_id int NOT NULL, day date NOT NULL, PRIMARY KEY (user_id, day));`),
  );
}

/**
 * Creates the schema and fills it: groups x rowsPerGroup sales and ledger entries, and per user
 * rowsPerGroup calendar days of which about 70% have a visit. Amounts repeat (about two rows per amount
 * in a region), and a ledger account books about three entries per day, so ties are everywhere.
 * Then VACUUM ANALYZE, so plans see real statistics and index-only scans a set visibility map.
 */
export async function generateData(pool: pg.Pool, schema: string, shape: DataShape): Promise<void> {
  const s = schemaName('schema', schema);
  check.positiveInt('shape.groups', shape?.groups);
  check.positiveInt('shape.rowsPerGroup', shape.rowsPerGroup);
  const seed = shape.seed ?? 1;
  check.that(Number.isSafeInteger(seed), 'shape.seed', 'must be an integer', seed);
  await createSchema(pool, schema);
  const { groups, rowsPerGroup } = shape;
  const n = groups * rowsPerGroup;
  const amounts = Math.max(2, Math.floor(rowsPerGroup / 2));
  const days = Math.max(1, Math.floor(rowsPerGroup / 3));
  // h(k) is a deterministic pseudo-random non-negative bigint for key k under this seed.
  const h = (k: string): string => `(hashint8extended(${k}, ${seed}) & 2147483647)`;
  const client = await pool.connect();
  try {
    await postgresCall(`generating ${n} rows per table in ${s}`, async () => {
      // VACUUM sets the visibility map only for commits already flushed: load with synchronous commit.
      await client.query('SET synchronous_commit = on');
      await client.query(
        `INSERT INTO ${s}.sales SELECT i, 1 + (i - 1) % $1, 1 + ${h('i')} % $2 FROM generate_series(1, $3::bigint) i`,
        [groups, amounts, n],
      );
      await client.query(
        `INSERT INTO ${s}.ledger
         SELECT i, 1 + (i - 1) % $1, date '2026-01-01' + (${h('-i')} % $2)::int, ${h('i + 1000000000')} % 2001 - 1000
         FROM generate_series(1, $3::bigint) i`,
        [groups, days, n],
      );
      await client.query(
        `INSERT INTO ${s}.visits
         SELECT u, date '2026-01-01' + d FROM generate_series(1, $1) u, generate_series(0, $2 - 1) d
         WHERE ${h('u::bigint * 1000003 + d')} % 100 < 70`,
        [groups, rowsPerGroup],
      );
      await client.query(`VACUUM ANALYZE ${s}.sales, ${s}.ledger, ${s}.visits`);
    });
  } finally {
    client.release();
  }
}
