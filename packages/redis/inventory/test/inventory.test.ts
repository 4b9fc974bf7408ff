// Reserve, confirm, release and retry against the real Redis: what each call did is read back from the
// server's keys (HGETALL, ZSCORE, HGET), not from the call's answer.
import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventory, inventoryKeys, isInventoryError, type Inventory } from '../src/index.ts';

let ns: RedisNamespace;
let admin: Redis;
let shop: Inventory;
const NAME = 'shop';
const HOUR = 3_600_000;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'inventory' });
  admin = ns.client();
  shop = inventory(ns.client(), { name: NAME, reservationTtlMs: HOUR });
});
afterAll(() => ns?.close());

/** What the server holds for a SKU, read with plain commands (no script, so no expiry is applied). */
async function stored(sku: string, reservationId = '') {
  const k = inventoryKeys(NAME, sku, reservationId);
  const levels = await admin.hgetall(k.levels);
  return {
    available: Number(levels.available ?? 0),
    reserved: Number(levels.reserved ?? 0),
    sold: Number(levels.sold ?? 0),
    holds: await admin.hgetall(k.holds),
    deadline: await admin.zscore(k.deadlines, reservationId),
    receipt: await admin.hgetall(k.receipt),
  };
}

describe('reserve', () => {
  it('takes the units off available and records the hold, its deadline and its receipt on the server', async () => {
    await shop.restock('reserve', 10);
    const result = await shop.reserve('reserve', 'order-1', { quantity: 3 });
    expect(result.reserved).toBe(true);
    const s = await stored('reserve', 'order-1');
    expect([s.available, s.reserved, s.sold]).toEqual([7, 3, 0]);
    expect(s.holds).toEqual({ 'order-1': '3' });
    expect(Number(s.deadline)).toBe(result.reserved && result.reservation.expiresAt);
    expect(s.receipt).toEqual({ state: 'held', quantity: '3', expiresAt: s.deadline });
    expect(result).toMatchObject({ available: 7 });
  });

  it('answers sold out, all or nothing, and writes nothing when fewer units are left than asked for', async () => {
    await shop.restock('partial', 2);
    expect(await shop.reserve('partial', 'order-1', { quantity: 3 })).toEqual({ reserved: false, available: 2 });
    const s = await stored('partial', 'order-1');
    expect([s.available, s.reserved]).toEqual([2, 0]);
    expect(s.holds).toEqual({});
    expect(s.receipt).toEqual({});
  });

  it('answers a retry with the same id with the same hold and takes nothing more', async () => {
    await shop.restock('retry', 10);
    const first = await shop.reserve('retry', 'order-1', { quantity: 2 });
    const second = await shop.reserve('retry', 'order-1', { quantity: 2 });
    expect(second).toEqual(first);
    const s = await stored('retry', 'order-1');
    expect([s.available, s.reserved]).toEqual([8, 2]);
  });

  it('rejects the same id with another quantity (ReservationConflictError), leaving the first hold as it was', async () => {
    await shop.restock('other-quantity', 10);
    await shop.reserve('other-quantity', 'order-1', { quantity: 2 });
    const err = await shop.reserve('other-quantity', 'order-1', { quantity: 5 }).catch((e: unknown) => e);
    expect(isInventoryError(err, 'conflict')).toBe(true);
    expect((err as Error).message).toBe(
      'reservation "order-1" of "other-quantity" already holds 2 units, not 5: a reservation id names one request',
    );
    const s = await stored('other-quantity', 'order-1');
    expect([s.available, s.reserved]).toEqual([8, 2]);
  });

  it('rejects reserving again with the id of a settled reservation: an id reserves once', async () => {
    await shop.restock('reuse', 10);
    await shop.reserve('reuse', 'order-1');
    await shop.confirm('reuse', 'order-1');
    const err = await shop.reserve('reuse', 'order-1').catch((e: unknown) => e);
    expect(isInventoryError(err, 'conflict')).toBe(true);
    expect((err as Error).message).toBe(
      'reservation "order-1" of "reuse" was already confirmed: a reservation id reserves once',
    );
    expect((await stored('reuse')).available).toBe(9);
  });
});

describe('confirm and release', () => {
  it('confirm moves the held units to sold and keeps the receipt as confirmed', async () => {
    await shop.restock('confirm', 10);
    await shop.reserve('confirm', 'order-1', { quantity: 4 });
    expect(await shop.confirm('confirm', 'order-1')).toEqual({ state: 'confirmed', quantity: 4 });
    const s = await stored('confirm', 'order-1');
    expect([s.available, s.reserved, s.sold]).toEqual([6, 0, 4]);
    expect(s.holds).toEqual({});
    expect(s.deadline).toBeNull();
    expect(s.receipt.state).toBe('confirmed');
    expect(await admin.pttl(inventoryKeys(NAME, 'confirm', 'order-1').receipt)).toBeGreaterThan(HOUR);
  });

  it('release gives the held units back to stock at once', async () => {
    await shop.restock('release', 10);
    await shop.reserve('release', 'order-1', { quantity: 4 });
    expect(await shop.release('release', 'order-1')).toEqual({ state: 'released', quantity: 4 });
    const s = await stored('release', 'order-1');
    expect([s.available, s.reserved, s.sold]).toEqual([10, 0, 0]);
    expect(s.receipt.state).toBe('released');
  });

  it('answers a second confirm (or release) as the first, and changes nothing more', async () => {
    await shop.restock('twice', 10);
    await shop.reserve('twice', 'order-1', { quantity: 2 });
    await shop.reserve('twice', 'order-2', { quantity: 3 });
    await shop.confirm('twice', 'order-1');
    await shop.release('twice', 'order-2');
    expect(await shop.confirm('twice', 'order-1')).toEqual({ state: 'confirmed', quantity: 2 });
    expect(await shop.release('twice', 'order-2')).toEqual({ state: 'released', quantity: 3 });
    const s = await stored('twice');
    expect([s.available, s.reserved, s.sold]).toEqual([8, 0, 2]);
  });

  it('refuses to release a confirmed reservation and to confirm a released one (ReservationConflictError)', async () => {
    await shop.restock('crossed', 10);
    await shop.reserve('crossed', 'sold-one');
    await shop.confirm('crossed', 'sold-one');
    await shop.reserve('crossed', 'cancelled-one');
    await shop.release('crossed', 'cancelled-one');

    const release = await shop.release('crossed', 'sold-one').catch((e: unknown) => e);
    expect(isInventoryError(release, 'conflict') && release.state).toBe('confirmed');
    expect((release as Error).message).toBe(
      'reservation "sold-one" of "crossed" was confirmed: sold units are not released',
    );
    const confirm = await shop.confirm('crossed', 'cancelled-one').catch((e: unknown) => e);
    expect(isInventoryError(confirm, 'conflict') && confirm.state).toBe('released');
    const s = await stored('crossed');
    expect([s.available, s.reserved, s.sold]).toEqual([9, 0, 1]);
  });

  it('answers ReservationNotFoundError for an id that never reserved', async () => {
    const err = await shop.confirm('unknown', 'nobody').catch((e: unknown) => e);
    expect(isInventoryError(err, 'not-found')).toBe(true);
    expect((err as Error).message).toBe(
      'reservation "nobody" of "unknown" does not exist (or was settled too long ago to remember)',
    );
    expect(isInventoryError(await shop.release('unknown', 'nobody').catch((e: unknown) => e), 'not-found')).toBe(true);
  });

  it('keeps available + reserved + sold equal to what was stocked through any mix of calls', async () => {
    await shop.restock('ledger', 50);
    for (let i = 0; i < 30; i++) {
      const id = `order-${i}`;
      const r = await shop.reserve('ledger', id, { quantity: 1 + (i % 4) });
      if (!r.reserved) continue;
      if (i % 3 === 0) await shop.confirm('ledger', id);
      else if (i % 3 === 1) await shop.release('ledger', id);
    }
    const s = await stored('ledger');
    expect(s.available + s.reserved + s.sold).toBe(50);
    expect(s.reserved).toBe(Object.values(s.holds).reduce((a, b) => a + Number(b), 0));
    expect(await shop.levels('ledger')).toEqual({ available: s.available, reserved: s.reserved, sold: s.sold });
  });
});
