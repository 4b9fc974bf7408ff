// The fix: a checkout that cannot leak. withClient() checks a client out, runs `fn` with it and releases
// it on every path: after a result, and after an error, with that error (pg then destroys the client
// instead of returning it to the pool: a client whose query failed mid-protocol, or whose transaction
// was left open, must not serve the next caller). The handler's error is rethrown unchanged.
import type pg from 'pg';
import { check, hasMethods } from './errors.ts';

export async function withClient<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  check.kind(hasMethods(pool, 'connect', 'query'), 'pool', 'must be a pg.Pool', pool);
  check.fn('fn', fn);
  const client = await pool.connect();
  let result: T;
  try {
    result = await fn(client);
  } catch (err) {
    client.release(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
  client.release();
  return result;
}
