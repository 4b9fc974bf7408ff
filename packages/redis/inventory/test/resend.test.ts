// A reply lost after Redis acted: the harness's faultyLink discards the next reply and resets that
// connection, ioredis reconnects and re-sends the command still waiting for its answer, and Redis runs it
// a second time. Each script must give that second run the first run's answer and take nothing more; the
// naive decrement, re-sent the same way, takes the units twice.
import {
  faultyLink,
  holdReplies,
  redisClient,
  redisNamespace,
  type FaultyLink,
  type RedisNamespace,
} from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { inventory, inventoryKeys, type Inventory } from '../src/index.ts';
import { naiveInventory } from '../src/naive.ts';

let ns: RedisNamespace;
let admin: Redis;
const options = { name: 'resend', reservationTtlMs: 3_600_000 };
beforeAll(async () => {
  ns = await redisNamespace({ name: 'inventory_resend' });
  admin = ns.client();
});
afterAll(() => ns?.close());

let links = 0;
/** A client of the namespace that reaches Redis through a faultyLink, with the scripts already loaded. */
async function throughLink(): Promise<{ link: FaultyLink; client: Redis; shop: Inventory }> {
  const link = await faultyLink(new URL(ns.url).host);
  onTestFinished(() => link.close());
  const client = redisClient(link.via(ns.url), { keyPrefix: ns.prefix });
  client.on('error', () => {}); // the reset is the point; commands report what they lose
  onTestFinished(() => void client.disconnect());
  const shop = inventory(client, options);
  // Load every script, so the reply lost below is a script's answer, not NOSCRIPT.
  const warmUp = `warm-up-${++links}`;
  await shop.restock(warmUp, 1);
  await shop.reserve(warmUp, 'w');
  await shop.confirm(warmUp, 'w');
  await shop.levels(warmUp);
  return { link, client, shop };
}

async function levels(sku: string) {
  const l = await admin.hgetall(inventoryKeys(options.name, sku).levels);
  return { available: Number(l.available), reserved: Number(l.reserved ?? 0), sold: Number(l.sold ?? 0) };
}

describe('a lost reply, re-sent by ioredis (faultyLink)', () => {
  it('answers a re-sent reserve with the first run’s hold and does not reserve twice', async () => {
    const { link, shop } = await throughLink();
    await shop.restock('tv', 10);

    const lost = link.dropNextReply();
    const result = await shop.reserve('tv', 'order-1', { quantity: 3 });
    const lostReply = (await lost).toString();

    expect(lostReply).toMatch(/^\*3\r\n\$8\r\nreserved\r\n:\d+\r\n:7\r\n$/); // the first run reserved, 7 left
    expect(link.connections).toBe(2); // the answer came on the new connection, from the second run
    expect(result.reserved && result.reservation.expiresAt).toBe(Number(/:(\d+)\r\n:7/.exec(lostReply)![1]));
    expect(await levels('tv')).toEqual({ available: 7, reserved: 3, sold: 0 });
    expect(await admin.hgetall(inventoryKeys(options.name, 'tv').holds)).toEqual({ 'order-1': '3' });
  });

  it('answers a re-sent confirm "confirmed" and sells the units once', async () => {
    const { link, shop } = await throughLink();
    await shop.restock('radio', 10);
    await shop.reserve('radio', 'order-1', { quantity: 2 });

    const lost = link.dropNextReply();
    expect(await shop.confirm('radio', 'order-1')).toEqual({ state: 'confirmed', quantity: 2 });
    expect((await lost).toString()).toBe('*2\r\n$9\r\nconfirmed\r\n:2\r\n');
    expect(await levels('radio')).toEqual({ available: 8, reserved: 0, sold: 2 });
  });

  it('answers a re-sent release "released" and gives the units back once', async () => {
    const { link, shop } = await throughLink();
    await shop.restock('lamp', 10);
    await shop.reserve('lamp', 'order-1', { quantity: 4 });

    const lost = link.dropNextReply();
    expect(await shop.release('lamp', 'order-1')).toEqual({ state: 'released', quantity: 4 });
    expect((await lost).toString()).toBe('*2\r\n$8\r\nreleased\r\n:4\r\n');
    expect(await levels('lamp')).toEqual({ available: 10, reserved: 0, sold: 0 });
  });

  it('breaks the naive version: its re-sent HINCRBY takes the units twice for one reservation', async () => {
    const link = await faultyLink(new URL(ns.url).host);
    onTestFinished(() => link.close());
    const client = redisClient(link.via(ns.url), { keyPrefix: ns.prefix });
    client.on('error', () => {});
    onTestFinished(() => void client.disconnect());
    await inventory(admin, options).restock('naive', 10);
    let lost: Promise<Buffer> | undefined;
    // Arm the link once the HGET is answered: the next reply is the decrement's.
    const armed = holdReplies(client, ['hget'], async () => void (lost ??= link.dropNextReply()));

    const result = await naiveInventory(armed, options).reserve('naive', 'order-1', { quantity: 3 });

    expect((await lost!).toString()).toBe(':7\r\n'); // the first HINCRBY ran: 7 left
    expect(result).toMatchObject({ reserved: true, available: 4 }); // the re-sent one ran too
    expect((await levels('naive')).available).toBe(4); // 6 units gone for a reservation of 3
  });
});
