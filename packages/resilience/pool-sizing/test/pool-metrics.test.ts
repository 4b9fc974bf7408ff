// The metrics against a real pool: a pg.Pool talking to a real PostgreSQL through toxiproxy (20 ms added
// to every reply), checked against what the test itself did and what the server says (pg_stat_activity),
// counts only, never times. The alarm is fed from the same real pool.
import {
  eventually,
  postgresDatabase,
  proxyTo,
  uniqueName,
  type PostgresDatabase,
  type ProxiedServer,
} from '@poc/harness';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { PG_CHECKOUT_TIMEOUT, poolMetrics, readMetric, saturationAlarm } from '../src/index.ts';
import { naiveAlarm } from '../src/naive.ts';

let db: PostgresDatabase;
let proxy: ProxiedServer;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'pool_sizing' });
  proxy = await proxyTo(new URL(db.url).host, { name: 'pool_sizing' });
  await proxy.addLatency(20);
}, 60_000);
afterAll(async () => {
  await proxy?.close();
  await db?.close();
});

/** A pool through the proxy, tagged so the server can count its connections; ended after the test. */
function proxiedPool(max: number, extra: pg.PoolConfig = {}): { pool: pg.Pool; tag: string } {
  const tag = uniqueName('ps');
  const pool = new pg.Pool({ connectionString: proxy.via(db.url), max, application_name: tag, ...extra });
  onTestFinished(() => pool.end());
  return { pool, tag };
}

/** Connections the server has for this pool (its own view, not the pool's). */
async function serverConnections(tag: string): Promise<number> {
  const { rows } = await db
    .pool()
    .query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [tag]);
  return rows[0]!.n;
}

const metric = async (m: ReturnType<typeof poolMetrics>, name: string): Promise<number | undefined> =>
  readMetric(await m.metrics(), name);

describe('poolMetrics on a real pool behind toxiproxy latency', () => {
  it('shows 4 in use, 3 waiting, 0 idle while 4 clients are held and 3 more callers ask, as the server sees it', async () => {
    const { pool, tag } = proxiedPool(4);
    const m = poolMetrics(pool);
    const held = await Promise.all(Array.from({ length: 4 }, () => pool.connect()));
    const queued = Array.from({ length: 3 }, () => pool.query('SELECT 1'));
    await eventually(async () => expect(await metric(m, 'pg_pool_waiting')).toBe(3), { what: '3 callers queued' });
    expect(await metric(m, 'pg_pool_in_use')).toBe(4);
    expect(await metric(m, 'pg_pool_idle')).toBe(0);
    expect(await metric(m, 'pg_pool_size')).toBe(4);
    expect(await serverConnections(tag)).toBe(4);
    expect(await metric(m, 'pg_pool_acquisitions_total')).toBe(4);

    for (const client of held) client.release();
    await Promise.all(queued);
    expect(await metric(m, 'pg_pool_acquisitions_total')).toBe(7);
    expect(await metric(m, 'pg_pool_checkout_wait_seconds_count')).toBe(7);
    await eventually(async () => expect(await metric(m, 'pg_pool_idle')).toBe(4), { what: 'all 4 clients idle' });
    expect(await metric(m, 'pg_pool_in_use')).toBe(0);
    expect(await metric(m, 'pg_pool_waiting')).toBe(0);
    expect(await serverConnections(tag)).toBe(4);
  });

  it('counts every checkout of a 60-query workload (pool.query and pool.connect) through a pool of 4', async () => {
    const { pool } = proxiedPool(4);
    const m = poolMetrics(pool);
    let maxWaiting = 0;
    const queries = Array.from({ length: 40 }, () => pool.query('SELECT pg_sleep(0.005)'));
    const checkouts = Array.from({ length: 20 }, async () => {
      const client = await pool.connect();
      maxWaiting = Math.max(maxWaiting, m.snapshot().waiting);
      try {
        await client.query('SELECT 1');
      } finally {
        client.release();
      }
    });
    await Promise.all([...queries, ...checkouts]);
    expect(await metric(m, 'pg_pool_acquisitions_total')).toBe(60);
    expect(await metric(m, 'pg_pool_checkout_wait_seconds_count')).toBe(60);
    expect(await metric(m, 'pg_pool_acquire_timeouts_total')).toBe(0);
    expect(await metric(m, 'pg_pool_acquire_failures_total')).toBe(0);
    expect(maxWaiting).toBeGreaterThan(0); // 60 callers on 4 clients: some queued
    // 56 of the 60 found the pool busy; every one of their waits is in the histogram, none below 0.
    expect(await metric(m, 'pg_pool_checkout_wait_seconds_bucket{le="+Inf"}')).toBe(60);
  });

  it("counts pg's checkout timeouts and passes pg's error on unchanged", async () => {
    const { pool } = proxiedPool(2, { connectionTimeoutMillis: 300 });
    const m = poolMetrics(pool);
    const held = await Promise.all([pool.connect(), pool.connect()]);
    onTestFinished(() => held.forEach((c) => c.release()));
    const errors = await Promise.all(
      [pool.connect(), pool.query('SELECT 1'), pool.connect()].map((p) =>
        p.then(
          () => undefined,
          (e: Error) => e,
        ),
      ),
    );
    expect(errors.map((e) => e?.message)).toEqual([PG_CHECKOUT_TIMEOUT, PG_CHECKOUT_TIMEOUT, PG_CHECKOUT_TIMEOUT]);
    expect(await metric(m, 'pg_pool_acquire_timeouts_total')).toBe(3);
    expect(await metric(m, 'pg_pool_acquisitions_total')).toBe(2);
    expect(m.snapshot()).toMatchObject({ acquired: 2, timedOut: 3, failed: 0, inUse: 2, waiting: 0 });
  });

  it('counts a checkout that fails because the server cannot be reached as a failure', async () => {
    const { pool } = proxiedPool(2);
    const m = poolMetrics(pool);
    await proxy.cut();
    onTestFinished(async () => {
      await proxy.restore();
      await proxy.addLatency(20);
    });
    const err = await pool.connect().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(m.snapshot()).toMatchObject({ acquired: 0, timedOut: 0, failed: 1 });
  });

  it('detach() restores pool.connect and removes the metrics; two pools share a registry with two prefixes', async () => {
    const a = proxiedPool(1).pool;
    const b = proxiedPool(1).pool;
    const ma = poolMetrics(a, { prefix: 'a_' });
    const mb = poolMetrics(b, { registry: ma.registry, prefix: 'b_' });
    await Promise.all([a.query('SELECT 1'), b.query('SELECT 1'), b.query('SELECT 1')]);
    const text = await ma.metrics();
    expect([readMetric(text, 'a_acquisitions_total'), readMetric(text, 'b_acquisitions_total')]).toEqual([1, 2]);
    ma.detach();
    expect(Object.hasOwn(a, 'connect')).toBe(false);
    await a.query('SELECT 1');
    const after = await mb.metrics();
    expect(readMetric(after, 'a_acquisitions_total')).toBeUndefined();
    expect(readMetric(after, 'b_acquisitions_total')).toBe(2);
  });
});

describe('saturationAlarm on a real pool', () => {
  it('fires while demand exceeds the pool and clears after, once; the naive alarm sees the same samples', async () => {
    const { pool } = proxiedPool(2);
    const m = poolMetrics(pool);
    const alarm = saturationAlarm({ waitingAbove: 2, forMs: 200, clearAtOrBelow: 0, clearForMs: 200 });
    const naive = naiveAlarm({ waitingAbove: 2, forMs: 200 });
    const stop = alarm.watch(() => m.snapshot().waiting, 20);
    const stopNaive = naive.watch(() => m.snapshot().waiting, 20);
    onTestFinished(() => (stop(), stopNaive()));

    // 2 clients held by the test and 5 more callers: demand 7 on a pool of 2, held until released.
    const held = await Promise.all([pool.connect(), pool.connect()]);
    const demand = Array.from({ length: 5 }, () => pool.query('SELECT 1'));
    await eventually(() => expect(alarm.state).toBe('firing'), { what: 'the alarm to fire', timeoutMs: 10_000 });
    expect(m.snapshot().waiting).toBe(5);
    held.forEach((c) => c.release());
    await Promise.all(demand);
    await eventually(() => expect(alarm.state).toBe('ok'), { what: 'the alarm to clear', timeoutMs: 10_000 });
    expect(alarm.history().map((e) => e.state)).toEqual(['firing', 'ok']);
    expect(alarm.history()[0]!.waiting).toBe(5);
    expect(naive.history().map((e) => e.state)).toEqual(['firing', 'ok']);
  });
});
