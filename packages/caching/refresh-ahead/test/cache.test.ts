// Behaviour against real Redis and PostgreSQL, time driven by a ManualClock (never sleeps): when a hit
// starts a reload, that ONE reload per key is counted at PostgreSQL, a failed reload keeps the value, and
// the break-it case: at the moment a hot key expires, the plain TTL cache makes its reader wait for the
// database while refresh-ahead answers from the entry it reloaded earlier.
import { eventually, postgresDatabase, redisNamespace, type PostgresDatabase, type RedisNamespace } from '@poc/harness';
import { ManualClock } from '@poc/kit';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshAhead, type Loader, type RefreshErrorEvent } from '../src/index.ts';
import { plainTtlCache } from '../src/naive.ts';
import { createQuotes, loadsAtDatabase, quoteLoader, setPrice, type Quote } from '../src/quotes.ts';

const TTL_MS = 10_000;
const KEYS = ['window', 'crowd', 'miss', 'failing', 'tail'];

let ns: RedisNamespace;
let db: PostgresDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  [ns, db] = await Promise.all([
    redisNamespace({ name: 'refresh_ahead' }),
    postgresDatabase({ name: 'refresh_ahead' }),
  ]);
  pool = db.pool();
  await createQuotes(pool, KEYS);
});
afterAll(() => Promise.all([ns?.close(), db?.close()]));

/** A loader held at a gate: `entered` counts calls that reached it; nothing returns until open(). */
function gated(loader: Loader<Quote>) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let entered = 0;
  const wrapped: Loader<Quote> = async (key, signal) => {
    entered++;
    await gate;
    return loader(key, signal);
  };
  return { loader: wrapped, open, entered: () => entered };
}

describe('refresh-ahead against real servers', () => {
  it('a hit before the window loads nothing; a hit inside it answers the cached value and reloads in the background', async () => {
    const clock = new ManualClock();
    const cache = refreshAhead(quoteLoader(pool), { redis: ns.client(), ttlMs: TTL_MS, refreshAhead: 0.2, clock });

    expect(await cache.read('window')).toMatchObject({ outcome: 'loaded', value: { version: 1 } });
    await setPrice(pool, 'window', 250); // the database moves on; nobody tells the cache
    await clock.advance(7_999); // 2001 ms before expiry: outside the last 20%
    expect(await cache.read('window')).toMatchObject({ outcome: 'hit', value: { version: 1 } });
    expect(await loadsAtDatabase(pool, 'window')).toBe(1);

    await clock.advance(1_001); // 1000 ms before expiry: inside the window
    expect(await cache.read('window')).toMatchObject({ outcome: 'hit-refreshing', value: { version: 1 } });
    await cache.settled();
    expect(await loadsAtDatabase(pool, 'window')).toBe(2);

    await clock.advance(1_000); // the first load's expiry: the reloaded entry answers
    expect(await cache.read('window')).toMatchObject({ outcome: 'hit', value: { price: 250, version: 2 } });
    const stored = JSON.parse((await ns.client().get(cache.redisKey('window')))!) as { e: number };
    expect(stored.e).toBe(Date.UTC(2026, 0, 1) + 9_000 + TTL_MS); // a full TTL from the reload
    expect(cache.stats()).toEqual({ gets: 4, hits: 3, loads: 1, refreshes: 1, refreshErrors: 0 });
  });

  it('100 readers inside the window start ONE background reload, counted at PostgreSQL', async () => {
    const clock = new ManualClock();
    const held = gated(quoteLoader(pool));
    const cache = refreshAhead(held.loader, { redis: ns.client(), ttlMs: TTL_MS, clock });
    const first = cache.get('crowd');
    held.open(); // the first load passes; the gate stays open only for it
    await first;
    const again = gated(quoteLoader(pool));
    const crowd = refreshAhead(again.loader, { redis: ns.client(), ttlMs: TTL_MS, clock });
    await clock.advance(8_000); // inside the default window (last 25%)
    // Every reader answers while the reload is held at the gate: they all saw it running.
    const reads = await Promise.all(Array.from({ length: 100 }, () => crowd.read('crowd')));
    expect(new Set(reads.map((r) => r.outcome))).toEqual(new Set(['hit-refreshing']));
    expect(again.entered()).toBe(1);
    again.open();
    await crowd.settled();
    expect(await loadsAtDatabase(pool, 'crowd')).toBe(2); // the first load and ONE reload
    expect(crowd.stats()).toMatchObject({ gets: 100, hits: 100, refreshes: 1, loads: 0 });
  });

  it('100 readers of a missing key wait for ONE load (the same single flight)', async () => {
    const held = gated(quoteLoader(pool));
    const cache = refreshAhead(held.loader, { redis: ns.client(), ttlMs: TTL_MS, clock: new ManualClock() });
    const reads = Array.from({ length: 100 }, () => cache.read('miss'));
    await eventually(() => held.entered() >= 1, { what: 'the first load to start' });
    held.open();
    expect(new Set((await Promise.all(reads)).map((r) => r.outcome))).toEqual(new Set(['loaded']));
    expect(await loadsAtDatabase(pool, 'miss')).toBe(1);
  });

  it('a failed background reload keeps the cached value, reports the error, and is tried again on the next hit', async () => {
    const clock = new ManualClock();
    const events: RefreshErrorEvent[] = [];
    const cache = refreshAhead(quoteLoader(pool), {
      redis: ns.client(),
      ttlMs: TTL_MS,
      clock,
      onRefreshError: (e) => events.push(e),
    });
    await cache.get('failing');
    await pool.query(`DELETE FROM quotes WHERE key = 'failing'`); // the loader now throws: no quote
    await clock.advance(9_000);

    expect(await cache.read('failing')).toMatchObject({ outcome: 'hit-refreshing', value: { version: 1 } });
    await cache.settled();
    expect(events.map((e) => `${e.key}: ${e.error.message}`)).toEqual(['ra:failing: no quote "failing"']);
    expect(await ns.client().exists(cache.redisKey('failing'))).toBe(1); // not evicted
    expect(await cache.read('failing')).toMatchObject({ outcome: 'hit-refreshing', value: { version: 1 } });
    await cache.settled();
    expect(cache.stats()).toMatchObject({ refreshes: 2, refreshErrors: 2 });

    await clock.advance(1_000); // really expired: now a reader has to wait, and sees the error
    await expect(cache.get('failing')).rejects.toThrow('no quote "failing"');
    expect(await loadsAtDatabase(pool, 'failing')).toBe(4);
  });

  it('break it: when a hot key expires, the plain TTL reader waits for the database; refresh-ahead answers from the cache', async () => {
    const clock = new ManualClock();
    const caches = {
      plain: plainTtlCache(quoteLoader(pool), { redis: ns.client(), ttlMs: TTL_MS, clock, keyPrefix: 'plain:' }),
      ahead: refreshAhead(quoteLoader(pool), { redis: ns.client(), ttlMs: TTL_MS, clock, keyPrefix: 'ahead:' }),
    };
    await Promise.all([caches.plain.get('tail'), caches.ahead.get('tail')]);
    await clock.advance(9_000); // steady reads: one inside the window
    await Promise.all([caches.plain.get('tail'), caches.ahead.get('tail')]);
    await caches.ahead.settled();

    // The moment the first load expires, with the database held: who answers without it?
    await clock.advance(1_000);
    const held = gated(quoteLoader(pool));
    const plainAtExpiry = plainTtlCache(held.loader, { redis: ns.client(), ttlMs: TTL_MS, clock, keyPrefix: 'plain:' });
    const aheadAtExpiry = refreshAhead(held.loader, { redis: ns.client(), ttlMs: TTL_MS, clock, keyPrefix: 'ahead:' });
    let plainAnswered = false;
    const plainRead = plainAtExpiry.read('tail').finally(() => (plainAnswered = true));
    expect(await aheadAtExpiry.read('tail')).toMatchObject({ outcome: 'hit' });
    await eventually(() => held.entered() === 1, { what: 'the plain reader to reach the database' });
    expect(plainAnswered).toBe(false); // it waits for PostgreSQL
    held.open();
    expect(await plainRead).toMatchObject({ outcome: 'loaded' });
  });
});
