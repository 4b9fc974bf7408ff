// The database under stress and down (a private server per test, PostgreSQL's default durability):
// a burst that connect-per-request turns into "too many clients" 503s is served whole through a pool;
// a killed server is a 503 problem, not a hang or a 500; what was acknowledged (201) survives the kill.
import { privatePostgres } from '@poc/harness/services';
import { eventually } from '@poc/harness/testing';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { seedItems, type Item, type Problem } from '../src/index.ts';
import { connectPerRequest } from '../src/naive.ts';
import { api, call } from './helpers.ts';

const MAX_CONNECTIONS = 8;

async function server(config: Array<[string, string]> = []) {
  const s = await privatePostgres({ config });
  onTestFinished(() => s.close());
  return s;
}
function poolOn(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => {}); // an idle connection dropped by a kill is expected; queries report it
  onTestFinished(() => pool.end());
  return pool;
}

describe('when the database is stressed or down', () => {
  it(`a burst of 40 requests: connect-per-request meets max_connections (${MAX_CONNECTIONS}) and answers 503; a pool of 4 answers all`, async () => {
    const s = await server([['max_connections', String(MAX_CONNECTIONS)]]);
    const setup = new pg.Client({ connectionString: s.url });
    await setup.connect();
    await seedItems(setup, { count: 100 });
    // Each request holds its connection for a while, as a slow query would: a column computed by a sleeping function.
    await setup.query(
      `CREATE FUNCTION slow_name(t text) RETURNS text LANGUAGE sql AS $$ SELECT t FROM pg_sleep(0.2) $$`,
    );
    await setup.query(
      `CREATE VIEW slow_items AS SELECT id, sku, slow_name(name) AS name, category, price_cents, created_at FROM items`,
    );
    await setup.end();
    const burst = async (app: ReturnType<typeof api>): Promise<number[]> =>
      Promise.all(Array.from({ length: 40 }, (_, i) => call(app, 'GET', `/items/${i + 1}`).then((r) => r.status)));

    const naive = api(connectPerRequest({ connectionString: s.url }), { table: 'slow_items' });
    const naiveStatuses = await burst(naive);
    expect(naiveStatuses.filter((st) => st === 503).length).toBeGreaterThan(0);
    expect(naiveStatuses.every((st) => st === 200 || st === 503)).toBe(true); // refused requests get a problem, not a 500

    const pooled = api(poolOn(s.url, 4), { table: 'slow_items' });
    expect(await burst(pooled)).toEqual(Array.from({ length: 40 }, () => 200));
  });

  it('answers 503 problems while the server is down, and keeps every acknowledged item across a kill', async () => {
    const s = await server();
    const pool = poolOn(s.url, 2);
    await seedItems(pool, { count: 10 });
    const app = api(pool);
    const acknowledged: number[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await call<Item>(app, 'POST', '/items', {
        sku: `ACK-${i}`,
        name: 'kept',
        category: 'books',
        priceCents: i,
      });
      expect(res.status).toBe(201);
      acknowledged.push(res.body.id);
    }
    await s.kill(); // SIGKILL: no shutdown, no flush beyond what each COMMIT already waited for
    await eventually(() => pool.totalCount === 0, { what: 'the pool to drop its dead connections' });
    const down = await call<Problem>(app, 'GET', '/items/1');
    expect(down.status).toBe(503);
    expect(down.body).toEqual({
      type: '/problems/unavailable',
      title: 'The database is unavailable',
      status: 503,
      detail: 'the request could not be completed; try again later',
      instance: '/items/1',
    });
    await s.start();
    const { rows } = await pool.query<{ id: number }>(`SELECT id FROM items WHERE sku LIKE 'ACK-%' ORDER BY id`);
    expect(rows.map((r) => r.id)).toEqual(acknowledged);
    expect((await call(app, 'GET', `/items/${acknowledged[0]}`)).status).toBe(200);
  });
});
