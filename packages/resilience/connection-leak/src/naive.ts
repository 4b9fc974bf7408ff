// The naive checkout: what a handler written in a hurry does. It releases the client after the work
// succeeds, and forgets the error path: every error leaks one client, and after `max` errors the pool is
// empty for good (every later checkout waits, then times out). Same signature as withClient(), so tests
// and the bench compare like with like. Not exported from the main entry: import it from
// 'poc-resilience-connection-leak/naive'.
import type pg from 'pg';
import { check, hasMethods } from './errors.ts';

export async function naiveWithClient<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  check.kind(hasMethods(pool, 'connect', 'query'), 'pool', 'must be a pg.Pool', pool);
  check.fn('fn', fn);
  const client = await pool.connect();
  const result = await fn(client); // throws: the release below never runs
  client.release();
  return result;
}
