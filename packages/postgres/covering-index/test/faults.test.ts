// When the server dies: a private server (PostgreSQL's default durability: fsync and synchronous_commit
// on), registered for cleanup before the body, SIGKILLed. Queries fail with the package's ServiceError
// naming what was being done. After crash recovery every committed row is back, but not necessarily
// every all-visible bit VACUUM set: VACUUM does not wait for its WAL to reach the disk (nothing commits),
// so a crash soon after it can lose part of the map (seen here: 22 of 62 pages still marked) and the
// planner's count of all-visible pages. That costs speed, never correctness: the totals are right
// whatever the map says, and the next VACUUM marks the pages again.
import { privatePostgres } from '@poc/harness';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { customerOrders, explainPlan, isCoveringIndexError, orderRow } from '../src/index.ts';

describe('when the server dies (a private server)', () => {
  it('surfaces a ServiceError while PostgreSQL is down; the totals survive a crash, and VACUUM restores the map', async () => {
    const server = await privatePostgres();
    onTestFinished(() => server.close());
    const pool = new pg.Pool({ connectionString: server.url, connectionTimeoutMillis: 5_000 });
    pool.on('error', () => {}); // an idle connection dropped by the kill is expected; queries report it
    onTestFinished(() => pool.end());
    const orders = customerOrders(pool, { table: 'orders', customers: 100, seed: 2 });

    await orders.load(5_000);
    await orders.vacuum(); // acknowledged before the crash
    const before = await orders.totals({ customerId: 7 });
    await server.kill();
    const err = await orders.totals({ customerId: 7 }).catch((e: unknown) => e);
    expect(isCoveringIndexError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^totalling orders of "orders" failed: /);

    await server.start();
    expect(await orders.totals({ customerId: 7 })).toEqual(before);
    let amountCents = 0;
    for (let id = 7; id <= 5_000; id++) {
      const row = orderRow(id, 2, 100);
      if (row.customerId === 7) amountCents += row.amountCents;
    }
    expect(before).toEqual({ orders: 50, amountCents });
    // The map after recovery: anything from none to every page (it depends on how much WAL the WAL
    // writer had flushed); the totals above were right either way. Whatever was lost, VACUUM restores.
    const recovered = await orders.visibility();
    expect(recovered.allVisible).toBeLessThanOrEqual(recovered.pages);
    await orders.vacuum();
    const map = await orders.visibility();
    expect(map.allVisible).toBe(map.pages);
    const plan = await explainPlan(pool, orders.sql.byCustomer, [7], { analyze: true });
    expect(plan.nodeTypes).toContain('Index Only Scan');
    expect(plan.heapFetches).toBe(0);
  });
});
