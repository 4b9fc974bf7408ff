// pnpm --filter poc-redis-inventory demo: the scenario against real servers, printing what the
// README's "Expected output" shows.
import { postgresDatabase, redisNamespace, serverFor } from '@poc/harness';
import { ManualClock, runMain } from '@poc/kit';
import { flashSale } from './flash-sale.ts';
import { inventory, inventoryKeys, isInventoryError, type Inventory } from './index.ts';
import { naiveInventory } from './naive.ts';
import { postgresInventory } from './postgres-inventory.ts';
import { watchInventory } from './watch-inventory.ts';

const say = (line = ''): void => console.log(line);
const MINUTE = 60_000;
const BUYERS = 1_000;
const UNITS = 100;
const CONNECTIONS = 20;

runMain(async () => {
  const servers = await Promise.all(['redis', 'postgres'].map((s) => serverFor(s)));
  const redisNs = await redisNamespace({ name: 'demo' }); // a key prefix of its own, removed at the end
  const db = await postgresDatabase({ name: 'demo' }); // a database of its own, removed at the end
  try {
    const versions = servers.map((s) => `${s.service} ${s.version} (${s.provider})`).join(', ');
    say(`Inventory demo: ${versions}`);
    const redis = redisNs.client();
    const levelsText = async (shop: Inventory, sku: string): Promise<string> => {
      const l = await shop.levels(sku);
      return `available ${l.available}, reserved ${l.reserved}, sold ${l.sold}`;
    };

    say();
    say('1. Reserve, retry, release, confirm (100 units of "console", holds of 10 min on the server clock)');
    const shop = inventory(redis, { name: 'shop', reservationTtlMs: 10 * MINUTE });
    await shop.restock('console', 100);
    const a = await shop.reserve('console', 'order-a', { quantity: 2 });
    say(`   order-a reserves 2: ${a.reserved ? `held, ${a.available} available` : 'sold out'}`);
    const again = await shop.reserve('console', 'order-a', { quantity: 2 });
    const same = again.reserved && a.reserved && again.reservation.expiresAt === a.reservation.expiresAt;
    say(`   order-a again (a retry, same id): ${same ? 'the same hold' : 'a new hold'}, ${again.available} available`);
    await shop.reserve('console', 'order-b');
    const released = await shop.release('console', 'order-b');
    say(`   order-b reserves 1 and releases it: ${released.state} ${released.quantity}`);
    const confirmed = await shop.confirm('console', 'order-a');
    say(`   order-a confirms: ${confirmed.state} ${confirmed.quantity} -> ${await levelsText(shop, 'console')}`);

    say();
    say('2. A hold nobody confirms (an injected clock, 15 min holds)');
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
    const timed = inventory(redis, { name: 'timed', reservationTtlMs: 15 * MINUTE, clock });
    const time = (): string => new Date(clock.now()).toISOString().slice(11, 19);
    await timed.restock('headset', 10);
    await timed.reserve('headset', 'order-c', { quantity: 3 });
    say(`   ${time()} order-c reserves 3 -> ${await levelsText(timed, 'headset')}`);
    await clock.advance(15 * MINUTE - 1_000);
    say(`   ${time()} -> ${await levelsText(timed, 'headset')}`);
    await clock.advance(1_000);
    say(`   ${time()} -> ${await levelsText(timed, 'headset')}`);
    const late = await timed.confirm('headset', 'order-c').catch((e: unknown) => e);
    say(`   order-c confirms now: ${isInventoryError(late, 'expired') ? late.message : 'confirmed'}`);

    say();
    say(`3. ${BUYERS} buyers, ${UNITS} units, all at once on ${CONNECTIONS} connections`);
    const clients = Array.from({ length: CONNECTIONS }, () => redisNs.client());
    const options = { name: 'sale', reservationTtlMs: 10 * MINUTE };
    const sale = inventory(redis, options);
    const pg = postgresInventory(db.pool({ max: CONNECTIONS }), options);
    await pg.create();
    const contenders = [
      {
        what: 'naive HGET, then HINCRBY',
        sku: 'tv-naive',
        reservers: clients.map((c) => naiveInventory(c, options)),
        levels: (sku: string) => sale.levels(sku),
        restock: (sku: string) => sale.restock(sku, UNITS),
      },
      {
        what: 'Lua script (this POC)',
        sku: 'tv-lua',
        reservers: clients.map((c) => inventory(c, options)),
        levels: (sku: string) => sale.levels(sku),
        restock: (sku: string) => sale.restock(sku, UNITS),
      },
      {
        what: 'WATCH / MULTI / EXEC',
        sku: 'tv-watch',
        reservers: [watchInventory(clients, options)],
        levels: (sku: string) => sale.levels(sku),
        restock: (sku: string) => sale.restock(sku, UNITS),
      },
      {
        what: 'PostgreSQL UPDATE ... WHERE available >= 1',
        sku: 'tv-pg',
        reservers: [pg],
        levels: (sku: string) => pg.levels(sku),
        restock: (sku: string) => pg.restock(sku, UNITS),
      },
    ];
    for (const { what, sku, reservers, levels, restock } of contenders) {
      await restock(sku);
      const { reserved, turnedAway } = await flashSale(reservers, sku, BUYERS);
      const l = await levels(sku);
      const oversold = Math.max(0, reserved.length - UNITS);
      say(
        `   ${what.padEnd(43)} ${reserved.length} reserved, ${turnedAway} sold out, available ${l.available} -> oversold ${oversold}`,
      );
    }
    const holders = await redis.zrange(inventoryKeys('sale', 'tv-lua').deadlines, 0, -1);
    await Promise.all(holders.map((id) => sale.confirm('tv-lua', id)));
    say(`   the Lua script's ${holders.length} holders confirm -> ${await levelsText(sale, 'tv-lua')}`);

    say();
    say('done');
  } finally {
    await redisNs.close();
    await db.close();
  }
});
