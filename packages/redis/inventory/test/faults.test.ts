// When something dies: a private server per test (registered for cleanup before the body), or a buyer's
// process killed mid-checkout. A failure of a server is surfaced, not swallowed; what the inventory keeps
// across a crash of Redis depends on its persistence, and the tests show both sides.
import { fileURLToPath } from 'node:url';
import {
  privatePostgres,
  privateRedis,
  redisClient,
  redisNamespace,
  serverNowMs,
  spawnTsWorker,
  type RedisNamespace,
} from '@poc/harness';
import { ManualClock } from '@poc/kit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { InventoryServiceError, inventory, inventoryKeys, isInventoryError } from '../src/index.ts';
import { luaScript } from '../src/scripts.ts';
import { postgresInventory } from '../src/postgres-inventory.ts';

const buyerScript = fileURLToPath(new URL('./fixtures/buyer.ts', import.meta.url));
const MINUTE = 60_000;
const options = { name: 'faults', reservationTtlMs: 30 * MINUTE };

let ns: RedisNamespace;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'inventory_faults' });
});
afterAll(() => ns?.close());

/** A Redis of the test's own and a client that fails within seconds while it is down. */
async function serverWithClient(config: Array<[string, string]> = []) {
  const server = await privateRedis({ config });
  onTestFinished(() => server.close());
  const client = redisClient(server.url);
  client.on('error', () => {}); // errors while the server is down are expected; commands report them
  onTestFinished(() => void client.disconnect());
  return { server, client };
}

describe('Redis down, restarted, killed (private server)', () => {
  it('rejects with InventoryServiceError, not a hang, while Redis is down, and works again once it is back', async () => {
    const { server, client } = await serverWithClient();
    const shop = inventory(client, options);
    await shop.restock('tv', 5);
    await server.stop();

    const err = await shop.reserve('tv', 'order-1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InventoryServiceError);
    expect(isInventoryError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^reserving 1 of "tv" for "order-1" failed: /);
    expect((err as Error).cause).toBeInstanceOf(Error);

    await server.start(); // no persistence: the stock is gone, and so is the script cache
    expect(await client.script('EXISTS', luaScript('reserve-4.lua').sha)).toEqual([0]);
    await shop.restock('tv', 5);
    expect((await shop.reserve('tv', 'order-1')).reserved).toBe(true); // EVALSHA → NOSCRIPT → EVAL
    expect(await shop.levels('tv')).toEqual({ available: 4, reserved: 1, sold: 0 });
  });

  // A SIGKILL cannot tell `appendfsync always` from `no` (Redis write()s the AOF before it answers, and a
  // killed process keeps the page cache): what it does tell apart is AOF on or off.
  const settings = [
    {
      setting: 'AOF on (appendfsync always)',
      config: [
        ['appendonly', 'yes'],
        ['appendfsync', 'always'],
      ] as Array<[string, string]>,
      after: { available: 7, reserved: 2, sold: 1 },
      holds: { 'order-2': '2' },
    },
    { setting: 'no persistence', config: [], after: { available: 0, reserved: 0, sold: 0 }, holds: {} },
  ];
  it.each(settings)(
    'after a SIGKILL of Redis with $setting, finds levels $after.available/$after.reserved/$after.sold',
    async ({ config, after, holds }) => {
      const { server, client } = await serverWithClient(config);
      const shop = inventory(client, options);
      await shop.restock('tv', 10);
      await shop.reserve('tv', 'order-1');
      await shop.confirm('tv', 'order-1');
      await shop.reserve('tv', 'order-2', { quantity: 2 });

      await server.kill(); // SIGKILL: no shutdown, nothing more written
      await server.start();

      expect(await shop.levels('tv')).toEqual(after);
      expect(await client.hgetall(inventoryKeys(options.name, 'tv').holds)).toEqual(holds);
    },
  );
});

describe('PostgreSQL down and killed (the bench’s PostgreSQL variant, private server, default durability)', () => {
  it('rejects with InventoryServiceError while PostgreSQL is down, and keeps every committed hold across a SIGKILL', async () => {
    const server = await privatePostgres(); // fsync and synchronous_commit on: a commit is on disk when answered
    onTestFinished(() => server.close());
    const pool = new pg.Pool({ connectionString: server.url, connectionTimeoutMillis: 5_000 });
    pool.on('error', () => {}); // an idle connection dropped by the kill is expected; queries report it
    onTestFinished(() => pool.end());
    const shop = postgresInventory(pool, options);
    await shop.create();
    await shop.restock('tv', 10);
    await shop.reserve('tv', 'order-1', { quantity: 3 });

    await server.kill();
    const err = await shop.reserve('tv', 'order-2').catch((e: unknown) => e);
    expect(isInventoryError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^reserving 1 of "tv" for "order-2" failed: /);

    await server.start();
    expect(await shop.levels('tv')).toEqual({ available: 7, reserved: 3, sold: 0 });
  });
});

describe('a buyer’s process killed mid-checkout', () => {
  it('keeps its hold until the hold’s time is up, then the units go back to stock (no release ever sent)', async () => {
    const sku = 'console';
    const shopNow = inventory(ns.client(), { ...options, reservationTtlMs: 30 * MINUTE });
    await shopNow.restock(sku, 5);
    const buyer = spawnTsWorker(buyerScript, [
      ns.url,
      ns.prefix,
      options.name,
      sku,
      'order-1',
      '2',
      String(30 * MINUTE),
    ]);
    onTestFinished(() => buyer.kill());
    const expiresAt = Number((await buyer.waitForLine(/^reserved \d+$/)).split(' ')[1]);

    await buyer.kill(); // SIGKILL while "paying": no finally, no release
    // Expiry as seen by a clock this test moves: it starts at Redis's own time, as the buyer's hold did.
    const clock = new ManualClock(await serverNowMs(ns.client()));
    const shop = inventory(ns.client(), { ...options, clock });
    expect(await shop.levels(sku)).toEqual({ available: 3, reserved: 2, sold: 0 });
    await clock.advance(expiresAt - clock.now() - 1);
    expect(await shop.levels(sku)).toEqual({ available: 3, reserved: 2, sold: 0 });
    await clock.advance(1);
    expect(await shop.levels(sku)).toEqual({ available: 5, reserved: 0, sold: 0 });
  });
});
