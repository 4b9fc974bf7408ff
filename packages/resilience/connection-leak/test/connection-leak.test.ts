// The leak and its fix against a real PostgreSQL: a real handler that errors, a real pool that runs dry
// (pg's own checkout timeout), the server's own view of the connections, and assertNoLeaks() as a suite
// would use it. Counts only; no timing thresholds.
import { postgresDatabase, uniqueName, type PostgresDatabase } from '@poc/harness';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { LeakError, assertNoLeaks, isConnectionLeakError, leakDetector, withClient } from '../src/index.ts';
import { fixedHandler, leakyHandler } from '../src/lab/handlers.ts';
import { naiveWithClient } from '../src/naive.ts';
import { endAfterTest } from './reclaim.ts';

const SIZE = 3;
const PG_TIMEOUT = 'timeout exceeded when trying to connect';

let db: PostgresDatabase;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'connection_leak' });
});
afterAll(() => db?.close());

function smallPool() {
  const tag = uniqueName('leak');
  const pool = new pg.Pool({
    connectionString: db.url,
    max: SIZE,
    connectionTimeoutMillis: 300,
    application_name: tag,
  });
  let removed = 0;
  pool.on('remove', () => removed++);
  // A leaked client stays checked out, so the pool does not forward its errors: when the suite's database
  // is dropped at the end, PostgreSQL terminates it (57P01) and that error needs a listener of its own.
  pool.on('connect', (client) => client.on('error', () => {}));
  endAfterTest(pool);
  return { pool, tag, removed: () => removed };
}

/** The server's view: this pool's connections, by state. */
async function serverConnections(tag: string): Promise<Record<string, number>> {
  const { rows } = await db
    .pool()
    .query<{ state: string; n: number }>(
      'SELECT state, count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 GROUP BY state',
      [tag],
    );
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

/** Calls `handler` once per divisor, in order; counts results, the server's errors and pg's timeouts. */
async function serve(handler: (pool: pg.Pool, d: number) => Promise<number>, pool: pg.Pool, divisors: number[]) {
  const out = { ok: 0, serverErrors: 0, timeouts: 0 };
  for (const d of divisors) {
    try {
      await handler(pool, d);
      out.ok++;
    } catch (e) {
      if ((e as Error).message === PG_TIMEOUT) out.timeouts++;
      else if ((e as { code?: string }).code === '22012') out.serverErrors++;
      else throw e;
    }
  }
  return out;
}

// 3 errors (divisor 0) among healthy requests, then 5 more healthy ones.
const TRAFFIC = [1, 0, 2, 0, 4, 0, 5, 1, 2, 4, 5];

describe('break it: a handler that leaks on its error path', () => {
  it('exhausts a real pool: after 3 errors every later request times out with pg’s error', async () => {
    const { pool, tag } = smallPool();
    const out = await serve(leakyHandler, pool, TRAFFIC);
    // before the 3rd error: 1, 2, 4 succeeded; after it the pool is empty for good.
    expect(out).toEqual({ ok: 3, serverErrors: 3, timeouts: 5 });
    expect(pool.totalCount - pool.idleCount).toBe(SIZE);
    expect(pool.waitingCount).toBe(0);
    // The server holds 3 connections doing nothing: the leak is invisible from its side.
    expect(await serverConnections(tag)).toEqual({ idle: SIZE });
  });

  it('naiveWithClient (release only on success) leaks the same way', async () => {
    const { pool } = smallPool();
    const handler = (p: pg.Pool, d: number) =>
      naiveWithClient(p, async (c) => (await c.query<{ q: number }>('SELECT 100 / $1::int AS q', [d])).rows[0]!.q);
    expect(await serve(handler, pool, TRAFFIC)).toEqual({ ok: 3, serverErrors: 3, timeouts: 5 });
  });

  it('assertNoLeaks() fails on the leaky handler, naming it', async () => {
    const { pool } = smallPool();
    const detector = leakDetector(pool, { maxCheckoutMs: 60_000, onLeak: () => {} });
    onTestFinished(() => detector.detach());
    await serve(leakyHandler, pool, [1, 0, 2]);
    const err = (() => {
      try {
        assertNoLeaks(pool);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(LeakError);
    expect(isConnectionLeakError(err, 'leak')).toBe(true);
    expect((err as LeakError).checkedOut).toBe(1);
    expect((err as LeakError).message).toMatch(
      /^1 client still checked out: checked out at leakyHandler \(.*handlers\.ts:\d+:\d+\)$/,
    );
  });

  it('assertNoLeaks() on a pool without a detector still counts the leak', async () => {
    const { pool } = smallPool();
    await serve(leakyHandler, pool, [0, 0]);
    expect(() => assertNoLeaks(pool)).toThrow(
      '2 clients still checked out (attach a leakDetector to the pool to see where they were checked out)',
    );
  });
});

describe('the fix: withClient', () => {
  it('under the same errors leaves 0 checked out, serves every healthy request and destroys each failed client', async () => {
    const { pool, tag, removed } = smallPool();
    const out = await serve(fixedHandler, pool, TRAFFIC);
    expect(out).toEqual({ ok: 8, serverErrors: 3, timeouts: 0 });
    expect(pool.totalCount - pool.idleCount).toBe(0);
    expect(removed()).toBe(3); // released with the error: destroyed, not handed to the next caller
    expect(() => assertNoLeaks(pool)).not.toThrow();
    const server = await serverConnections(tag);
    expect(server.active ?? 0).toBe(0); // every connection the server still has for this pool is idle
    expect(server.idle).toBe(pool.totalCount);
  });

  it('rethrows the handler’s error unchanged, and a thrown non-Error too', async () => {
    const { pool } = smallPool();
    const boom = new Error('boom');
    await expect(withClient(pool, () => Promise.reject(boom))).rejects.toBe(boom);
    await expect(withClient(pool, () => Promise.reject('text'))).rejects.toBe('text');
    expect(pool.totalCount - pool.idleCount).toBe(0);
  });

  it('returns the result and keeps the client for the next caller', async () => {
    const { pool, removed } = smallPool();
    expect(await withClient(pool, async (c) => (await c.query<{ n: number }>('SELECT 7 AS n')).rows[0]!.n)).toBe(7);
    expect(await withClient(pool, async (c) => (await c.query<{ n: number }>('SELECT 8 AS n')).rows[0]!.n)).toBe(8);
    expect({ total: pool.totalCount, idle: pool.idleCount, removed: removed() }).toEqual({
      total: 1,
      idle: 1,
      removed: 0,
    });
  });
});
