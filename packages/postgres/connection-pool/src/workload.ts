// The table the tests, the demo and the bench query, generated server-side from a seed (one INSERT ...
// SELECT generate_series, never one INSERT per row), and the two query shapes whose server time decides
// where the throughput-vs-pool-size curve bends.
import { check } from './errors.ts';

/** What the generator needs: a pg Pool or Client. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

export const ACCOUNTS_DDL = `CREATE TABLE IF NOT EXISTS accounts (
  id integer PRIMARY KEY,
  owner text NOT NULL,
  balance_cents bigint NOT NULL
)`;

/**
 * Creates `accounts` with ids 1..rows. Balances are a function of id and seed (a multiplicative hash),
 * so the same seed gives the same table everywhere, and the table is ANALYZEd for stable plans.
 */
export async function createAccounts(db: Queryable, options: { rows: number; seed?: number }): Promise<void> {
  check.positiveInt('options.rows', options.rows);
  const seed = options.seed ?? 1;
  check.nonNegativeInt('options.seed', seed);
  await db.query(ACCOUNTS_DDL);
  await db.query(
    `INSERT INTO accounts (id, owner, balance_cents)
     SELECT i, 'owner-' || (i % 997), ((i::bigint * 2654435761 + $2) % 1000000)
     FROM generate_series(1, $1::int) AS i`,
    [options.rows, seed],
  );
  await db.query('ANALYZE accounts');
}

/**
 * A small indexed read plus `pg_sleep(sleepMs)` on the server: stands for a query that holds its
 * connection while the server waits (a disk read, a lock, a slow plan) without using a CPU. Throughput
 * grows with the pool until the client or the CPUs, not the waiting, are the limit.
 */
export const SLEEP_READ = {
  name: 'indexed read + pg_sleep',
  sql: 'SELECT a.id, a.balance_cents FROM accounts a CROSS JOIN pg_sleep($2::float8 / 1000) WHERE a.id = $1',
  values: (id: number, sleepMs: number): unknown[] => [id, sleepMs],
} as const;

/**
 * An aggregate over `span` consecutive rows: pure server CPU (the pages are cached). Throughput stops
 * growing once every core is busy; more connections only queue inside the server instead of the pool.
 */
export const CPU_SCAN = {
  name: 'CPU-bound range aggregate',
  sql: 'SELECT count(*)::int AS n, sum(balance_cents)::bigint AS total FROM accounts WHERE id BETWEEN $1 AND $1 + $2 - 1',
  values: (from: number, span: number): unknown[] => [from, span],
} as const;
