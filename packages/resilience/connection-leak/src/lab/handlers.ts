// Request handlers the tests, the demo and the bench call: the same query, a division that fails with
// division_by_zero (22012) when `divisor` is 0, written the leaky way and the fixed way.
import type pg from 'pg';
import { withClient } from '../with-client.ts';

const SQL = 'SELECT 100 / $1::int AS quotient';

/** The leak: checkout, query, release — but an error in the query skips the release. */
export async function leakyHandler(pool: pg.Pool, divisor: number): Promise<number> {
  const client = await pool.connect();
  const { rows } = await client.query<{ quotient: number }>(SQL, [divisor]);
  client.release();
  return rows[0]!.quotient;
}

/** The fix: the same query through withClient(), released on every path. */
export function fixedHandler(pool: pg.Pool, divisor: number): Promise<number> {
  return withClient(pool, async (client) => {
    const { rows } = await client.query<{ quotient: number }>(SQL, [divisor]);
    return rows[0]!.quotient;
  });
}
