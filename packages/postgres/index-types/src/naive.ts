// The reference every index is checked and timed against: the same SQL with index scans switched off,
// which is what the table answers when it has no index at all (a sequential scan, parallel when the
// planner finds it cheaper). Differential tests compare each index's rows with these; the bench times
// each index against it. Not exported from the main entry: import from 'poc-postgres-index-types/naive'.
import type pg from 'pg';
import { check, postgresCall } from './errors.ts';
import type { PoolLike } from './connection.ts';
import type { PlannerSettings } from './plan.ts';

/** Planner switches that leave only the sequential scan (and keep the rest of the plan as it would be). */
export const NO_INDEX_SETTINGS = {
  enable_indexscan: false,
  enable_indexonlyscan: false,
  enable_bitmapscan: false,
} as const satisfies PlannerSettings;

const setAll = (scope: 'SESSION' | 'LOCAL'): string =>
  Object.keys(NO_INDEX_SETTINGS)
    .map((name) => `SET ${scope} ${name} = off`)
    .join('; ');

/** Runs one query as if the table had no index (SET LOCAL in its own transaction), returning its rows. */
export async function seqScanQuery<R extends pg.QueryResultRow>(
  pool: PoolLike,
  sql: string,
  values: unknown[] = [],
): Promise<R[]> {
  check.kind(typeof pool?.connect === 'function', 'pool', 'must be a pg.Pool', pool);
  check.that(typeof sql === 'string' && /^\s*select\b/i.test(sql), 'sql', 'must be a SELECT statement', sql);
  const client = await postgresCall('connecting for a sequential scan', () => pool.connect());
  try {
    return await postgresCall(`sequential scan of: ${sql}`, async () => {
      await client.query(`BEGIN; ${setAll('LOCAL')}`);
      try {
        return (await client.query<R>(sql, values)).rows;
      } finally {
        await client.query('ROLLBACK');
      }
    });
  } finally {
    client.release();
  }
}

/** Switches index scans off for the rest of this connection's session (a bench's dedicated client). */
export async function disableIndexScans(client: Pick<pg.ClientBase, 'query'>): Promise<void> {
  check.kind(typeof client?.query === 'function', 'client', 'must be a pg client', client);
  await postgresCall('switching index scans off', () => client.query(setAll('SESSION')));
}
