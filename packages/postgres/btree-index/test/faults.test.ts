// When the server dies: a private server (PostgreSQL's default durability: fsync and synchronous_commit
// on), registered for cleanup before the body, SIGKILLed. Queries fail with the package's ServiceError
// naming what was being done; after the restart, WAL replay has brought back every acknowledged row IN
// THE INDEX too (B-trees are WAL-logged), so the lookup still takes the index and finds them.
import { privatePostgres } from '@poc/harness';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { explainPlan, isBtreeIndexError, orderRow, ordersTable } from '../src/index.ts';

describe('when the server dies (a private server)', () => {
  it('surfaces a ServiceError while PostgreSQL is down, and the index holds every acknowledged row after a crash', async () => {
    const server = await privatePostgres();
    onTestFinished(() => server.close());
    const pool = new pg.Pool({ connectionString: server.url, connectionTimeoutMillis: 5_000 });
    pool.on('error', () => {}); // an idle connection dropped by the kill is expected; queries report it
    onTestFinished(() => pool.end());
    const orders = ordersTable(pool, { table: 'orders', seed: 3 });

    await orders.load(5_000);
    const last = await orders.append(1_000, { batchRows: 250 }); // acknowledged before the crash
    await server.kill();
    const err = await orders.findByCode(orderRow(last, 3).code).catch((e: unknown) => e);
    expect(isBtreeIndexError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^looking up code "[0-9a-f]{32}" in "orders" failed: /);

    await server.start();
    for (const id of [1, 5_000, 5_001, last])
      expect(await orders.findByCode(orderRow(id, 3).code)).toEqual(orderRow(id, 3));
    const plan = await explainPlan(pool, orders.sql.findByCode, [orderRow(last, 3).code]);
    expect(plan.indexNames).toEqual(['orders_code_idx']);
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM orders');
    expect(rows[0]!.n).toBe(6_000);
  });
});
