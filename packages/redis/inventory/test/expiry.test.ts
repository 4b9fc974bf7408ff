// A hold ends at its expiresAt and its units go back to stock. The injected clock (the kit's ManualClock)
// moves by whole minutes, so no test depends on how fast this machine is; the server-clock test only
// waits (eventually) for what must happen and checks the deadline against Redis's own TIME.
import { eventually, redisNamespace, serverNowMs, type RedisNamespace } from '@poc/harness';
import { ManualClock, skewedClock, systemClock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReservationExpiredError, inventory, inventoryKeys, isInventoryError } from '../src/index.ts';

let ns: RedisNamespace;
let admin: Redis;
const MINUTE = 60_000;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'inventory_expiry' });
  admin = ns.client();
});
afterAll(() => ns?.close());

const timedShop = (name: string, clock = new ManualClock()) => ({
  clock,
  shop: inventory(ns.client(), { name, reservationTtlMs: 15 * MINUTE, clock }),
});

describe('expiry on an injected clock', () => {
  it('holds the units until the last ms before expiresAt, then gives them back to stock', async () => {
    const { clock, shop } = timedShop('manual');
    await shop.restock('tv', 10);
    const r = await shop.reserve('tv', 'order-1', { quantity: 3 });
    expect(r.reserved && r.reservation.expiresAt).toBe(clock.now() + 15 * MINUTE);

    await clock.advance(15 * MINUTE - 1);
    expect(await shop.levels('tv')).toEqual({ available: 7, reserved: 3, sold: 0 });
    await clock.advance(1);
    expect(await shop.levels('tv')).toEqual({ available: 10, reserved: 0, sold: 0 });
    const k = inventoryKeys('manual', 'tv', 'order-1');
    expect(await admin.hgetall(k.holds)).toEqual({});
    expect(await admin.zcard(k.deadlines)).toBe(0);
  });

  it('refuses to confirm after expiry with ReservationExpiredError, and release answers "expired"', async () => {
    const { clock, shop } = timedShop('late');
    await shop.restock('tv', 10);
    const r = await shop.reserve('tv', 'order-1', { quantity: 2 });
    await clock.advance(15 * MINUTE);
    const err = await shop.confirm('tv', 'order-1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReservationExpiredError);
    expect(isInventoryError(err, 'expired') && err.expiredAt).toBe(r.reserved && r.reservation.expiresAt);
    expect((err as Error).message).toBe(
      'reservation "order-1" of "tv" expired at 2026-01-01T00:15:00.000Z: its units went back to stock',
    );
    expect(await shop.release('tv', 'order-1')).toEqual({ state: 'expired', quantity: 2 });
    expect(await shop.levels('tv')).toEqual({ available: 10, reserved: 0, sold: 0 });
    // ... and the id cannot reserve again: a new attempt at checkout needs a new id.
    expect(
      isInventoryError(await shop.reserve('tv', 'order-1', { quantity: 2 }).catch((e: unknown) => e), 'conflict'),
    ).toBe(true);
  });

  it('lets another buyer reserve the units of an expired hold in the same call that gives them back', async () => {
    const { clock, shop } = timedShop('handover');
    await shop.restock('tv', 1);
    await shop.reserve('tv', 'first');
    expect(await shop.reserve('tv', 'second')).toEqual({ reserved: false, available: 0 });
    await clock.advance(15 * MINUTE);
    const second = await shop.reserve('tv', 'second-again'); // no levels() or sweep in between
    expect(second.reserved).toBe(true);
    const k = inventoryKeys('handover', 'tv');
    expect(await admin.hgetall(k.holds)).toEqual({ 'second-again': '1' });
    expect(await admin.zrange(k.deadlines, 0, -1)).toEqual(['second-again']); // the ended hold is given back once
    expect(await shop.levels('tv')).toEqual({ available: 0, reserved: 1, sold: 0 });
  });

  it('never gives back confirmed units, however much time passes', async () => {
    const { clock, shop } = timedShop('kept');
    await shop.restock('tv', 5);
    await shop.reserve('tv', 'order-1', { quantity: 5 });
    await shop.confirm('tv', 'order-1');
    await clock.advance(24 * 60 * MINUTE);
    expect(await shop.levels('tv')).toEqual({ available: 0, reserved: 0, sold: 5 });
  });

  it('gives back only the holds whose time is up, oldest first, in one sweep', async () => {
    const { clock, shop } = timedShop('sweep');
    await shop.restock('tv', 10);
    await shop.reserve('tv', 'a', { quantity: 1 });
    await clock.advance(5 * MINUTE);
    await shop.reserve('tv', 'b', { quantity: 2 });
    await clock.advance(5 * MINUTE);
    await shop.reserve('tv', 'c', { quantity: 3 });
    await clock.advance(10 * MINUTE); // a (at 15) and b (at 20) are due, c (at 25) is not
    expect(await shop.levels('tv')).toEqual({ available: 7, reserved: 3, sold: 0 });
    expect(await admin.hgetall(inventoryKeys('sweep', 'tv').holds)).toEqual({ c: '3' });
  });
});

describe('expiry on the Redis server’s clock (the default)', () => {
  it('sets the deadline from Redis TIME and gives the units back once Redis’s clock passes it', async () => {
    const shop = inventory(ns.client(), { name: 'server-clock', reservationTtlMs: 1_000 });
    await shop.restock('tv', 4);
    const before = await serverNowMs(admin);
    const r = await shop.reserve('tv', 'order-1', { quantity: 4 });
    const after = await serverNowMs(admin);
    expect(r.reserved).toBe(true);
    const expiresAt = r.reserved ? r.reservation.expiresAt : 0;
    expect(expiresAt).toBeGreaterThanOrEqual(before + 1_000);
    expect(expiresAt).toBeLessThanOrEqual(after + 1_000);
    await eventually(async () => (await shop.levels('tv')).available === 4, {
      what: 'the hold to end on Redis’s clock',
    });
    expect(await serverNowMs(admin)).toBeGreaterThanOrEqual(expiresAt);
  });

  it('ends holds early when a process with a clock 20 min ahead injects it; on the server’s clock it cannot', async () => {
    // Two application processes share one inventory; one of them has a wrong wall clock.
    const options = { reservationTtlMs: 15 * MINUTE };
    const skewed = skewedClock(systemClock, 20 * MINUTE);
    const honest = inventory(ns.client(), { ...options, name: 'own-clocks', clock: systemClock });
    const ahead = inventory(ns.client(), { ...options, name: 'own-clocks', clock: skewed });
    await honest.restock('tv', 1);
    await honest.reserve('tv', 'order-1');
    expect(await ahead.levels('tv')).toEqual({ available: 1, reserved: 0, sold: 0 }); // the hold is gone at once

    const serverA = inventory(ns.client(), { ...options, name: 'server-clock-only' });
    const serverB = inventory(ns.client(), { ...options, name: 'server-clock-only' });
    await serverA.restock('tv', 1);
    await serverA.reserve('tv', 'order-1');
    expect(await serverB.levels('tv')).toEqual({ available: 0, reserved: 1, sold: 0 });
  });
});
