// A server with max_connections set low (a private server per test): a pool bigger than the server's
// slots gets 53300 "too many clients" for the connections beyond them, surfaced as a typed
// PoolRefusedError; connect-per-request meets the same wall with a burst; a killed server is a
// PoolServiceError, and the pool serves again after the restart.
import { privatePostgres } from '@poc/harness/services';
import { eventually } from '@poc/harness/testing';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { isPoolError, meteredPool, type Checkout, type PoolRefusedError } from '../src/index.ts';
import { connectPerRequest } from '../src/naive.ts';

const MAX_CONNECTIONS = 6;

async function lowLimitServer() {
  const server = await privatePostgres({ config: [['max_connections', String(MAX_CONNECTIONS)]] });
  onTestFinished(() => server.close());
  return server;
}

function poolOn(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  onTestFinished(() => pool.end());
  return pool;
}

describe(`a server with max_connections = ${MAX_CONNECTIONS}`, () => {
  it('a pool bigger than max_connections gets a typed "too many clients" refusal beyond the slots', async () => {
    const server = await lowLimitServer();
    const pool = meteredPool(poolOn(server.url, 10), { acquireTimeoutMs: 30_000 });
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () =>
        pool.acquire().then(
          (c) => c,
          (e: unknown) => e as Error,
        ),
      ),
    );
    const held = outcomes.filter((o): o is Checkout => !(o instanceof Error));
    const refused = outcomes.filter((o) => isPoolError(o, 'refused')) as PoolRefusedError[];
    for (const c of held) c.release(); // before any assertion, so a failing one does not leave pool.end() waiting
    expect(held).toHaveLength(MAX_CONNECTIONS); // the harness's user is a superuser: every slot is usable
    expect(refused).toHaveLength(10 - MAX_CONNECTIONS);
    expect(refused[0]).toMatchObject({ sqlState: '53300', poolSize: 10 });
    expect(refused[0]!.message).toMatch(
      /^the server refused a new connection \(53300: sorry, too many clients already\) with \d+ of this pool's 10 connections open or opening/,
    );
    expect(pool.stats()).toMatchObject({ acquired: MAX_CONNECTIONS, refused: 10 - MAX_CONNECTIONS });
  });

  it('a pool within max_connections serves a burst that connect-per-request cannot', async () => {
    const server = await lowLimitServer();
    const BURST = 30;
    const sql = 'SELECT pg_sleep(0.05), $1::int AS n';
    // connect-per-request: 30 callers at once open 30 connections while each query sleeps 50 ms.
    const naive = connectPerRequest({ connectionString: server.url });
    const naiveOutcomes = await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        naive.query(sql, [i]).then(
          () => 'ok',
          (e: unknown) => e,
        ),
      ),
    );
    const tooMany = naiveOutcomes.filter(
      (o) => isPoolError(o, 'service') && /too many clients/.test((o as Error).message),
    ).length;
    expect(tooMany).toBeGreaterThan(0);
    // The pool queues the same burst on 4 connections: every caller is answered.
    const pool = meteredPool(poolOn(server.url, 4), { acquireTimeoutMs: 30_000 });
    const answers = await Promise.all(
      Array.from({ length: BURST }, (_, i) => pool.query<{ n: number }>(sql, [i]).then((r) => r.rows[0]!.n)),
    );
    expect(answers).toEqual(Array.from({ length: BURST }, (_, i) => i));
    expect(pool.stats()).toMatchObject({ acquired: BURST, refused: 0, total: 4 });
  });

  it('surfaces a PoolServiceError while the server is down, and serves again after the restart', async () => {
    const server = await lowLimitServer();
    const pool = meteredPool(poolOn(server.url, 2), { acquireTimeoutMs: 30_000 });
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await server.kill();
    await eventually(() => pool.stats().total === 0, { what: 'the pool to drop its dead connection' });
    const err = await pool.query('SELECT 1 AS one').catch((e: unknown) => e);
    expect(isPoolError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^acquiring a connection failed: connect ECONNREFUSED/);
    await server.start();
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect(pool.stats()).toMatchObject({ failed: 1, idleErrors: 1 });
  });
});
