// Break it: 1,000 buyers want one of 100 units at the same moment, over 20 connections. The naive
// version (HGET, then HINCRBY) is made to fail with certainty: every buyer's HGET is answered before any
// buyer gets to decrement (holdReplies + a barrier of all 1,000 on a real Redis). The script has no
// gap to hold open. The WATCH and PostgreSQL versions the bench compares are held to the same count.
import {
  barrier,
  holdReplies,
  postgresDatabase,
  redisNamespace,
  type PostgresDatabase,
  type RedisNamespace,
} from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flashSale } from '../src/flash-sale.ts';
import { inventory, inventoryKeys } from '../src/index.ts';
import { naiveInventory } from '../src/naive.ts';
import { postgresInventory } from '../src/postgres-inventory.ts';
import { watchInventory } from '../src/watch-inventory.ts';

const BUYERS = 1_000;
const UNITS = 100;
const CONNECTIONS = 20;
const options = { name: 'sale', reservationTtlMs: 3_600_000 };

let ns: RedisNamespace;
let db: PostgresDatabase;
let admin: Redis;
let clients: Redis[];
beforeAll(async () => {
  ns = await redisNamespace({ name: 'inventory_sale' });
  db = await postgresDatabase({ name: 'inventory_sale' });
  admin = ns.client();
  clients = Array.from({ length: CONNECTIONS }, () => ns.client());
  await Promise.all(clients.map((c) => c.ping()));
});
afterAll(() => Promise.all([ns?.close(), db?.close()]));

/** The SKU as the server holds it: levels, and how many holds it records. */
async function onServer(sku: string) {
  const k = inventoryKeys(options.name, sku);
  const levels = await admin.hgetall(k.levels);
  return {
    available: Number(levels.available),
    reserved: Number(levels.reserved ?? 0),
    sold: Number(levels.sold ?? 0),
    holds: await admin.hlen(k.holds),
  };
}

describe(`break it: ${BUYERS} buyers, ${UNITS} units, at once`, () => {
  it('oversells with the naive HGET-then-HINCRBY once every buyer has read before anyone decrements', async () => {
    const everyoneHasRead = barrier(BUYERS);
    const naive = clients.map((c) => naiveInventory(holdReplies(c, ['hget'], everyoneHasRead), options));
    await inventory(admin, options).restock('naive', UNITS);

    const { reserved, turnedAway } = await flashSale(naive, 'naive', BUYERS);

    const s = await onServer('naive');
    const oversold = s.holds - UNITS;
    console.log(
      `naive: ${reserved.length} buyers told "reserved", ${s.holds} holds on the server, oversold ${oversold}`,
    );
    expect(oversold).toBeGreaterThan(0);
    expect(s.available).toBeLessThan(0); // the counter went below zero: units that do not exist were handed out
    expect(reserved).toHaveLength(s.holds);
    expect(turnedAway).toBe(BUYERS - reserved.length);
  });

  it('sells exactly 100 with the Lua script: 100 holds, 900 turned away, 0 oversold, then 100 sold', async () => {
    const lua = clients.map((c) => inventory(c, options));
    const shop = inventory(admin, options);
    await shop.restock('lua', UNITS);

    const { reserved, turnedAway } = await flashSale(lua, 'lua', BUYERS);

    expect(reserved).toHaveLength(UNITS);
    expect(turnedAway).toBe(BUYERS - UNITS);
    expect(await onServer('lua')).toEqual({ available: 0, reserved: UNITS, sold: 0, holds: UNITS });
    await Promise.all(reserved.map((id) => shop.confirm('lua', id)));
    expect(await onServer('lua')).toEqual({ available: 0, reserved: 0, sold: UNITS, holds: 0 });
  });

  it('sells exactly 100 with WATCH/MULTI/EXEC too (the bench’s second variant), retrying lost races', async () => {
    const watch = watchInventory(clients, options);
    await inventory(admin, options).restock('watch', UNITS);

    const { reserved } = await flashSale([watch], 'watch', BUYERS);

    expect(reserved).toHaveLength(UNITS);
    expect(await onServer('watch')).toEqual({ available: 0, reserved: UNITS, sold: 0, holds: UNITS });
    expect(watch.commits).toBe(UNITS);
    expect(watch.conflicts).toBeGreaterThan(0); // the race was real: EXEC refused some attempts
  });

  it('sells exactly 100 with the PostgreSQL UPDATE ... WHERE available >= quantity (the bench’s third)', async () => {
    const pool = db.pool({ max: CONNECTIONS });
    const pg = postgresInventory(pool, options);
    await pg.create();
    await pg.restock('pg', UNITS);

    const { reserved } = await flashSale([pg], 'pg', BUYERS);

    expect(reserved).toHaveLength(UNITS);
    expect(await pg.levels('pg')).toEqual({ available: 0, reserved: UNITS, sold: 0 });
    const { rows } = await pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM inventory_holds WHERE inventory = 'sale' AND sku = 'pg'",
    );
    expect(rows[0]!.n).toBe(UNITS);
  });
});
