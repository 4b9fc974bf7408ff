// The metered pool against the shared PostgreSQL: same rows as connect-per-request, the metrics read
// while connections are really held, the queue wait timed on a ManualClock, and exhaustion that ends
// in a typed PoolTimeoutError where pg.Pool's default waits forever.
import { postgresDatabase, type PostgresDatabase } from '@poc/harness/services';
import { eventually } from '@poc/harness/testing';
import { ManualClock } from '@poc/kit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  CPU_SCAN,
  SLEEP_READ,
  createAccounts,
  isPoolError,
  meteredPool,
  percentile,
  type Checkout,
  type PoolTimeoutError,
} from '../src/index.ts';
import { connectPerRequest } from '../src/naive.ts';

const ROWS = 5_000;
let db: PostgresDatabase;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'pool' });
  const setup = await db.client();
  await createAccounts(setup, { rows: ROWS, seed: 7 });
});
afterAll(() => db?.close());

/** A promise's outcome once it settles, polled with eventually(): a broken guard fails the test instead of hanging it. */
async function settled<T>(promise: Promise<T>, what: string): Promise<T | Error> {
  let outcome: { value: T | Error } | undefined;
  promise.then(
    (value) => (outcome = { value }),
    (e: unknown) => (outcome = { value: e as Error }),
  );
  return (await eventually(() => outcome, { what, timeoutMs: 10_000 })).value;
}

/** A pg.Pool of the test's own, ended when the test finishes. */
function ownPool(max: number): pg.Pool {
  const p = db.pool({ max });
  onTestFinished(() => p.end());
  return p;
}

describe('queries through the pool', () => {
  it('returns the same rows as connect-per-request for both workload queries', async () => {
    const pool = meteredPool(ownPool(2));
    const naive = connectPerRequest({ connectionString: db.url });
    for (const [sql, values] of [
      [SLEEP_READ.sql, SLEEP_READ.values(42, 1)],
      [CPU_SCAN.sql, CPU_SCAN.values(100, 1_000)],
    ] as const) {
      const pooled = await pool.query(sql, [...values]);
      const direct = await naive.query(sql, [...values]);
      expect(pooled.rows).toEqual(direct.rows);
      expect(pooled.rows).toHaveLength(1);
    }
    expect(naive.opened).toBe(2); // one connection per query
    expect(pool.stats()).toMatchObject({ acquired: 2, total: 1, inUse: 0, idle: 1 }); // one connection, reused
  });

  it('generates the same table from the same seed (checked by the server)', async () => {
    const { rows } = await db
      .pool({ max: 1 })
      .query<{ n: number; sum: string }>('SELECT count(*)::int AS n, sum(balance_cents)::text AS sum FROM accounts');
    // The generator's formula, evaluated here for ids 1..ROWS with seed 7.
    let sum = 0n;
    for (let i = 1n; i <= BigInt(ROWS); i++) sum += (i * 2654435761n + 7n) % 1000000n;
    expect(rows[0]).toEqual({ n: ROWS, sum: String(sum) });
  });

  it('keeps the connection after a SQL error, and replaces one that died during a query', async () => {
    const pool = meteredPool(ownPool(1));
    const bad = await pool.query('SELECT 1 / 0').catch((e: unknown) => e);
    expect(isPoolError(bad, 'service')).toBe(true);
    expect((bad as Error).message).toBe('running "SELECT 1 / 0" failed: division by zero');
    const pid = async (): Promise<number> =>
      (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const first = await pid();
    expect(await pid()).toBe(first); // the same connection, reused after the SQL error
    // Terminate the backend while a query runs on it: the query fails, and the dead connection is not pooled.
    const running = pool.query('SELECT pg_sleep(30)').catch((e: unknown) => e);
    const killer = await db.client();
    await eventually(
      async () =>
        (await killer.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND query = 'SELECT pg_sleep(30)'`, [first]))
          .rowCount === 1,
      { what: 'the sleeping query to run' },
    );
    await killer.query('SELECT pg_terminate_backend($1)', [first]);
    const lost = await running;
    expect(isPoolError(lost, 'service')).toBe(true);
    expect((lost as Error).message).toBe(
      'running "SELECT pg_sleep(30)" failed: terminating connection due to administrator command',
    );
    const second = await pid();
    expect(second).not.toBe(first);
    expect(pool.stats()).toMatchObject({ total: 1, acquired: 5 });
  });
});

describe('metrics', () => {
  it('reports in use, idle and waiting while connections are really held', async () => {
    const pool = meteredPool(ownPool(3));
    const held: Checkout[] = [await pool.acquire(), await pool.acquire()];
    onTestFinished(() => held.forEach((c) => c.release()));
    expect(pool.stats()).toMatchObject({ size: 3, total: 2, inUse: 2, idle: 0, waiting: 0 });
    held.push(await pool.acquire());
    const queued = pool.acquire();
    await eventually(() => pool.stats().waiting === 1, { what: 'one caller queued' });
    expect(pool.stats()).toMatchObject({ total: 3, inUse: 3, idle: 0, waiting: 1 });
    held.pop()!.release();
    const fourth = await queued;
    fourth.release();
    for (const c of held) c.release();
    expect(pool.stats()).toMatchObject({ total: 3, inUse: 0, idle: 3, waiting: 0, acquired: 4, timedOut: 0 });
  });

  it('times the queue wait from the request to the checkout', async () => {
    const clock = new ManualClock();
    const pool = meteredPool(ownPool(1), { clock, acquireTimeoutMs: 60_000 });
    const first = await pool.acquire();
    expect(first.waitedMs).toBe(0); // the clock did not move while the connection was opened
    const queued = pool.acquire();
    await eventually(() => pool.stats().waiting === 1, { what: 'the second caller queued' });
    await clock.advance(250);
    first.release();
    const second = await queued;
    second.release();
    expect(second.waitedMs).toBe(250);
    expect(pool.stats().wait).toEqual({ count: 2, meanMs: 125, p50Ms: 0, p99Ms: 250, maxMs: 250 });
  });

  it('computes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(values, 50), percentile(values, 99), percentile(values, 100), percentile([], 50)]).toEqual([
      50, 99, 100, 0,
    ]);
  });
});

describe('pool exhaustion', () => {
  it('break it: pg.Pool without a timeout waits forever; the metered pool fails with a typed timeout', async () => {
    const clock = new ManualClock();
    const raw = ownPool(2);
    const pool = meteredPool(raw, { clock, acquireTimeoutMs: 1_000 });
    const held = [await pool.acquire(), await pool.acquire()];
    onTestFinished(() => held.forEach((c) => c.release())); // release() is idempotent: a failed assertion cannot leave end() waiting

    // What pg.Pool does by default (connectionTimeoutMillis 0): the caller queues with no bound.
    const unbounded = new pg.Pool({ connectionString: db.url, max: 1 });
    onTestFinished(() => unbounded.end());
    const holder = await unbounded.connect();
    let holderReleased = false;
    onTestFinished(() => void (holderReleased || holder.release()));
    let defaultSettled = false;
    const defaultWait = unbounded.connect().finally(() => (defaultSettled = true));

    const waiting = pool.acquire();
    await eventually(() => pool.stats().waiting === 1, { what: 'the caller queued' });
    const outcome = settled(waiting, 'the acquire to fail after 1 000 ms');
    await clock.advance(1_000);
    const err = (await outcome) as PoolTimeoutError;
    expect(isPoolError(err, 'timeout')).toBe(true);
    expect({ waitedMs: err.waitedMs, poolSize: err.poolSize, inUse: err.inUse, waiting: err.waiting }).toEqual({
      waitedMs: 1_000,
      poolSize: 2,
      inUse: 2,
      waiting: 1,
    });
    expect(err.message).toBe(
      "no connection free after waiting 1000 ms: all 2 of the pool's connections in use, 1 caller(s) waiting",
    );
    expect(pool.stats()).toMatchObject({ timedOut: 1, acquired: 2 });
    // The default pool's caller is still waiting (it would wait as long as the holder holds).
    await new Promise((r) => setImmediate(r));
    expect(defaultSettled).toBe(false);
    holder.release();
    holderReleased = true;
    (await defaultWait).release();

    // The request pg.Pool still had queued is served when a connection frees, and handed straight back.
    for (const c of held) c.release();
    await eventually(() => raw.waitingCount === 0 && raw.idleCount === raw.totalCount, { what: 'all idle' });
    expect(pool.stats()).toMatchObject({ inUse: 0, waiting: 0, acquired: 2 });
    const after = await pool.acquire();
    after.release();
  });

  it('a signal aborts a queued acquire with its reason, and nothing leaks', async () => {
    const raw = ownPool(1);
    const pool = meteredPool(raw);
    const held = await pool.acquire();
    onTestFinished(() => held.release());
    const controller = new AbortController();
    const waiting = pool.acquire({ signal: controller.signal });
    await eventually(() => pool.stats().waiting === 1, { what: 'the caller queued' });
    const outcome = settled(waiting, 'the acquire to be aborted');
    controller.abort(new Error('client went away'));
    expect(((await outcome) as Error).message).toBe('client went away');
    held.release();
    await eventually(() => raw.waitingCount === 0 && raw.idleCount === 1, { what: 'the connection idle again' });
    expect(pool.stats()).toMatchObject({ acquired: 1, inUse: 0 });
  });

  it('under many more callers than connections, every query is answered or times out: none hangs', async () => {
    const pool = meteredPool(ownPool(2), { acquireTimeoutMs: 60_000 });
    const CALLERS = 40;
    const results = await Promise.all(
      Array.from({ length: CALLERS }, (_, i) =>
        pool.query<{ id: number }>(SLEEP_READ.sql, [...SLEEP_READ.values(i + 1, 2)]).then((r) => r.rows[0]!.id),
      ),
    );
    expect(results).toEqual(Array.from({ length: CALLERS }, (_, i) => i + 1));
    const stats = pool.stats();
    expect(stats).toMatchObject({ acquired: CALLERS, total: 2, timedOut: 0 });
    expect(stats.wait.count).toBe(CALLERS);
    expect(stats.wait.maxMs).toBeGreaterThan(0); // 40 callers on 2 connections: most of them queued
  });
});
