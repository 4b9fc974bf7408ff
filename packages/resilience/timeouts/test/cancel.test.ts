// Cancellation reaching the database: pgQuery() against a real PostgreSQL (a database of its own, reached
// through toxiproxy as the lab's last hop is). When the signal aborts, the statement stops ON THE SERVER:
// read back from pg_stat_activity, not from the promise. The naive query leaves it running.
import { eventually, postgresDatabase, proxyTo } from '@poc/harness';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTimeoutsError, pgQuery, timeout } from '../src/index.ts';
import { naiveQuery } from '../src/naive.ts';

let db: Awaited<ReturnType<typeof postgresDatabase>>;
let link: Awaited<ReturnType<typeof proxyTo>>;
let pool: pg.Pool;
let observer: pg.Pool;

beforeAll(async () => {
  db = await postgresDatabase();
  const url = new URL(db.url);
  link = await proxyTo(`${url.hostname}:${url.port}`, { name: 'timeouts_pg' });
  url.host = link.listen;
  pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  observer = db.pool();
}, 60_000);
afterAll(async () => {
  await pool?.end();
  await link?.close();
  await db?.close();
});

/** Statements of this suite's database still running pg_sleep, as the server sees them. */
const runningSleeps = async (): Promise<number> =>
  (
    await observer.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = $1 AND state = 'active' AND query LIKE 'SELECT pg_sleep%'`,
      [db.name],
    )
  ).rows[0]!.n;

describe('pgQuery cancels the statement on the server', () => {
  it('a caller that aborts stops the running query: pg_stat_activity shows it gone, the error is the reason', async () => {
    const ctl = new AbortController();
    const call = pgQuery(pool, 'SELECT pg_sleep(30)', [], ctl.signal).catch((e: unknown) => e);
    await eventually(async () => (await runningSleeps()) === 1, { what: 'the query running on the server' });
    const reason = new Error('caller gave up');
    ctl.abort(reason);
    expect(await call).toBe(reason);
    await eventually(async () => (await runningSleeps()) === 0, { what: 'the query cancelled on the server' });
    // Both pooled connections still work: the cancel hit that one statement and nothing after it.
    const rows = await Promise.all([pool.query('SELECT 1 AS one'), pool.query('SELECT 2 AS two')]);
    expect(rows.map((r) => Object.values(r.rows[0]!)[0])).toEqual([1, 2]);
  });

  it('composed with timeout(), the query ends with a TimeoutError and stops on the server', async () => {
    const query = timeout({ ms: 300, name: 'report query' })((signal) =>
      pgQuery(pool, 'SELECT pg_sleep($1)', [30], signal),
    );
    const err = await query(new AbortController().signal).catch((e: unknown) => e);
    expect(isTimeoutsError(err, 'timeout')).toBe(true);
    await eventually(async () => (await runningSleeps()) === 0, { what: 'the query cancelled on the server' });
  });

  it('break it: the naive query keeps running on the server after its caller gave up, until it ends by itself', async () => {
    const query = timeout({ ms: 300 })((signal) => naiveQuery(pool, 'SELECT pg_sleep($1)', [5], signal));
    const err = await query(new AbortController().signal).catch((e: unknown) => e);
    expect(isTimeoutsError(err, 'timeout')).toBe(true);
    expect(await runningSleeps()).toBe(1); // the caller has its error; PostgreSQL is still sleeping
    await eventually(async () => (await runningSleeps()) === 0, {
      what: 'the naive query ending by itself',
      timeoutMs: 20_000,
    });
  });

  it('a caller aborted while waiting for a pool connection leaves at once; the connection comes back to the pool once', async () => {
    const holders = [new AbortController(), new AbortController()];
    const held = holders.map((c) => pgQuery(pool, 'SELECT pg_sleep(30)', [], c.signal).catch((e: unknown) => e));
    await eventually(async () => (await runningSleeps()) === 2, { what: 'both pooled connections busy' });
    const waiter = new AbortController();
    const waiting = pgQuery(pool, 'SELECT 1', [], waiter.signal).catch((e: unknown) => e);
    expect(pool.waitingCount).toBe(1);
    const reason = new Error('no connection in time');
    waiter.abort(reason);
    expect(await waiting).toBe(reason);
    for (const c of holders) c.abort(new Error('done holding'));
    await Promise.all(held);
    await eventually(async () => (await runningSleeps()) === 0, { what: 'the held queries cancelled' });
    // Released exactly once each (pg-pool throws on a double release): the pool is whole and usable.
    await eventually(() => pool.idleCount === 2 && pool.waitingCount === 0, { what: 'two idle connections' });
    expect((await pool.query('SELECT 3 AS three')).rows[0]).toEqual({ three: 3 });
  });

  it('a signal already aborted sends nothing to the server', async () => {
    const reason = new Error('already gone');
    const err = await pgQuery(pool, 'SELECT pg_sleep(30)', [], AbortSignal.abort(reason)).catch((e: unknown) => e);
    expect(err).toBe(reason);
    expect(await runningSleeps()).toBe(0);
  });

  it('a failing statement surfaces its own PostgreSQL error, unchanged', async () => {
    const err = await pgQuery(pool, 'SELECT 1/0', [], new AbortController().signal).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('22012');
  });
});
