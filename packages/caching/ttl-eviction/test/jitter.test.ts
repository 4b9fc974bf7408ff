// Synchronised expiry against real Redis and PostgreSQL, on a ManualClock so every bucket is exact:
// N keys loaded in the same second, then read every second. With a fixed TTL all N reloads hit the
// database in one bucket; with ±jitter they spread over the stated window.
import { postgresDatabase, redisNamespace, type PostgresDatabase, type RedisNamespace } from '@poc/harness';
import { ManualClock } from '@poc/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemLoader, seedItems } from '../src/catalog.ts';
import { jitteredTtl, loadMeter, seededRandom, ttlCache, type TtlCache } from '../src/index.ts';
import { fixedTtlCache } from '../src/naive.ts';
import type { Item } from '../src/catalog.ts';

const N = 100;
const TTL_MS = 60_000;
const SECOND = 1_000;

let redisNs: RedisNamespace;
let db: PostgresDatabase;
beforeAll(async () => {
  redisNs = await redisNamespace({ name: 'ttl_jitter' });
  db = await postgresDatabase({ name: 'ttl_jitter' });
  await seedItems(db.pool(), N);
});
afterAll(() => Promise.all([redisNs?.close(), db?.close()]));

/** Reads all N keys once per second from t = 0 to `seconds`, in the order of ids. */
async function readEverySecond(clock: ManualClock, cache: TtlCache<Item | null>, seconds: number): Promise<void> {
  for (let s = 0; s <= seconds; s++) {
    await Promise.all(Array.from({ length: N }, (_, i) => cache.get(`item:${i + 1}`)));
    await clock.advance(SECOND);
  }
}

function subjects(name: string, jitter: number) {
  const clock = new ManualClock();
  const meter = loadMeter(itemLoader(db.pool()), { clock, bucketMs: SECOND });
  const options = { name: `${name}`, ttlMs: TTL_MS, clock };
  const cache =
    jitter === 0
      ? fixedTtlCache(redisNs.client(), meter.loader, options)
      : ttlCache(redisNs.client(), meter.loader, { ...options, jitter, random: seededRandom(7) });
  return { clock, meter, cache, t0: clock.now() };
}

describe('synchronised expiry (ManualClock, real Redis and PostgreSQL)', () => {
  it('break it: with a fixed TTL all N reloads reach the database in the same second', async () => {
    const { clock, meter, cache, t0 } = subjects('fixed', 0);
    await readEverySecond(clock, cache, 90);
    expect(meter.buckets()).toEqual([
      { at: t0, loads: N }, // the cold start
      { at: t0 + TTL_MS, loads: N }, // every key expired in the same instant
    ]);
    expect(cache.stats()).toEqual({ hits: 91 * N - 2 * N, misses: 2 * N });
  });

  it('with ±10% jitter the reloads spread over 54–66 s and no second sees more than a quarter of them', async () => {
    const { clock, meter, cache, t0 } = subjects('jitter10', 0.1);
    await readEverySecond(clock, cache, 90);
    const reloads = meter.buckets().filter((b) => b.at > t0);
    expect(reloads.reduce((a, b) => a + b.loads, 0)).toBe(N); // each key reloaded once in 90 s
    for (const b of reloads) {
      expect(b.at - t0).toBeGreaterThanOrEqual(54 * SECOND);
      expect(b.at - t0).toBeLessThanOrEqual(66 * SECOND);
    }
    expect(reloads.length).toBeGreaterThanOrEqual(10); // spread over most of the 13 seconds of the window
    expect(Math.max(...reloads.map((b) => b.loads))).toBeLessThan(N / 4);
    expect(cache.stats().misses).toBe(2 * N); // the same hit ratio as the fixed TTL: jitter moves loads, it does not add them
  });

  it('reads the value the database holds, and stores it in Redis with the jittered TTL', async () => {
    const { cache } = subjects('values', 0.2);
    expect(await cache.get('item:7')).toEqual({ id: 7, name: 'item-7', priceCents: 107 });
    expect(await cache.read('item:7')).toMatchObject({ outcome: 'hit' });
    const pttl = await redisNs.client().pttl('values:item:7');
    expect(pttl).toBeGreaterThan(0.8 * TTL_MS - 1_000);
    expect(pttl).toBeLessThanOrEqual(1.2 * TTL_MS);
    expect(await cache.get('item:999')).toBeNull();
  });

  it('draws TTLs inside ttl × (1 ± jitter), covering the whole window', () => {
    const random = seededRandom(1);
    const ttls = Array.from({ length: 10_000 }, () => jitteredTtl(TTL_MS, 0.1, random()));
    expect(Math.min(...ttls)).toBeGreaterThanOrEqual(54_000);
    expect(Math.max(...ttls)).toBeLessThanOrEqual(66_000);
    expect(Math.min(...ttls)).toBeLessThan(54_100);
    expect(Math.max(...ttls)).toBeGreaterThan(65_900);
    expect(jitteredTtl(TTL_MS, 0, 0.99)).toBe(TTL_MS);
  });
});
