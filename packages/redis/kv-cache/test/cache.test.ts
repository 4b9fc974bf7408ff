import {
  eventually,
  postgresDatabase,
  redisNamespace,
  serverNowMs,
  uniqueName,
  type PostgresDatabase,
  type RedisNamespace,
} from '@poc/harness';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheValueError, cacheAside, type FallbackEvent } from '../src/index.ts';
import {
  catalogService,
  categoryName,
  dashboardKey,
  loadDashboard,
  naiveCatalogService,
  seedCatalog,
  type Dashboard,
} from '../src/catalog.ts';

let ns: RedisNamespace;
let db: PostgresDatabase;
let redis: Redis;
let pool: pg.Pool;
beforeAll(async () => {
  [ns, db] = await Promise.all([redisNamespace({ name: 'kvcache' }), postgresDatabase({ name: 'kvcache' })]);
  redis = ns.client();
  pool = db.pool({ max: 4 });
  await seedCatalog(pool, { categories: 8, productsPerCategory: 10, linesPerProduct: 40 });
});
afterAll(async () => {
  await ns?.close();
  await db?.close();
});

/** A fresh cache (its own key prefix) and a loader that counts how often the database was asked. */
function dashboardCache(ttlMs = 60_000) {
  const cache = cacheAside<Dashboard | null>({ redis, ttlMs, keyPrefix: `${uniqueName('c')}:` });
  const calls = { n: 0 };
  const load = (category: string) => () => {
    calls.n++;
    return loadDashboard(pool, category);
  };
  return { cache, calls, load };
}

describe('hits and misses', () => {
  it('runs the query once for five reads of the same key and stores it with the TTL', async () => {
    const { cache, calls, load } = dashboardCache(60_000);
    const fromDb = await loadDashboard(pool, categoryName(1));
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await cache.read(dashboardKey(categoryName(1)), load(categoryName(1)));
      expect(r.value).toEqual(fromDb);
      outcomes.push(r.outcome);
    }
    expect(outcomes).toEqual(['miss', 'hit', 'hit', 'hit', 'hit']);
    expect(calls.n).toBe(1);
    expect(cache.stats()).toEqual({ hits: 4, misses: 1, fallbacks: 0, absorbedErrors: 0 });
    const key = cache.redisKey(dashboardKey(categoryName(1)));
    expect(JSON.parse((await redis.get(key))!)).toEqual(fromDb);
    const pttl = await redis.pttl(key);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(60_000);
  });

  it('returns exactly what the database returns: 10 products sold, 400 order lines, known units', async () => {
    const { cache, load } = dashboardCache();
    const d = await cache.readThrough(dashboardKey(categoryName(8)), load(categoryName(8)));
    // category-8 holds products 71..80, 40 lines each, quantity 1 + (g + p) % 5 for g = 1..40: 8 of each 1..5 = 120 per product.
    expect(d).toMatchObject({ category: 'category-8', productsSold: 10, orderLines: 400, units: 1_200 });
  });

  it('caches null ("no such category") instead of asking the database again', async () => {
    const { cache, calls, load } = dashboardCache();
    expect(await cache.readThrough('dashboard:nope', load('nope'))).toBeNull();
    expect(await cache.readThrough('dashboard:nope', load('nope'))).toBeNull();
    expect(calls.n).toBe(1);
  });

  it('caches nothing when the loader throws: the error reaches the caller and the next read retries', async () => {
    const { cache } = dashboardCache();
    let calls = 0;
    const failing = async () => {
      calls++;
      return (await pool.query('SELECT * FROM no_such_table')).rows[0] as Dashboard;
    };
    await expect(cache.readThrough('broken', failing)).rejects.toThrow('relation "no_such_table" does not exist');
    await expect(cache.readThrough('broken', failing)).rejects.toThrow('relation "no_such_table" does not exist');
    expect(calls).toBe(2);
    expect(await redis.exists(cache.redisKey('broken'))).toBe(0);
  });

  it('refuses to cache undefined with CacheValueError, storing nothing', async () => {
    const { cache } = dashboardCache();
    const err = await cache
      .readThrough('undef', async () => undefined as unknown as Dashboard)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CacheValueError);
    expect((err as Error).message).toBe(
      `the loader for "${cache.redisKey('undef')}" returned undefined; return null to cache "not found", or throw`,
    );
    expect(await redis.exists(cache.redisKey('undef'))).toBe(0);
  });

  it('reloads and overwrites an entry it cannot parse, reporting it through onFallback', async () => {
    const events: FallbackEvent[] = [];
    const cache = cacheAside<{ n: number }>({
      redis,
      ttlMs: 60_000,
      keyPrefix: `${uniqueName('c')}:`,
      onFallback: (e) => events.push(e),
    });
    await redis.set(cache.redisKey('garbled'), '{not json');
    const r = await cache.read('garbled', () => ({ n: 7 }));
    expect(r).toEqual({ value: { n: 7 }, outcome: 'miss' });
    expect(events.map((e) => [e.operation, e.key])).toEqual([['parse', cache.redisKey('garbled')]]);
    expect(await redis.get(cache.redisKey('garbled'))).toBe('{"n":7}');
  });

  it('lets every concurrent reader of a cold key run the query (no stampede protection here)', async () => {
    const { cache, calls, load } = dashboardCache();
    const reads = await Promise.all(
      Array.from({ length: 10 }, () => cache.read(dashboardKey(categoryName(2)), load(categoryName(2)))),
    );
    expect(reads.map((r) => r.outcome)).toEqual(Array(10).fill('miss'));
    expect(calls.n).toBe(10);
    expect((await cache.read(dashboardKey(categoryName(2)), load(categoryName(2)))).outcome).toBe('hit');
  });
});

/** Redis's own clock (TIME), in ms since the epoch: what its expiries are measured against. */
// Expiry is checked on Redis's clock, never by hoping a sub-second window holds on a loaded machine.
describe('TTL', () => {
  it('stores an entry that dies ttlMs after the miss stored it, by the server clock (TIME brackets PEXPIRETIME)', async () => {
    const { cache, load } = dashboardCache(60_000);
    const key = dashboardKey(categoryName(3));
    const before = await serverNowMs(redis);
    expect((await cache.read(key, load(categoryName(3)))).outcome).toBe('miss');
    const after = await serverNowMs(redis);
    const expiresAt = await redis.pexpiretime(cache.redisKey(key));
    expect(expiresAt).toBeGreaterThanOrEqual(before + 60_000);
    expect(expiresAt).toBeLessThanOrEqual(after + 60_000);
    expect((await cache.read(key, load(categoryName(3)))).outcome).toBe('hit');
    expect(await redis.pexpiretime(cache.redisKey(key))).toBe(expiresAt); // a hit does not extend it
  });

  it('lets Redis expire the entry by itself; the next read asks the database again', async () => {
    const { cache, calls, load } = dashboardCache(200);
    const key = dashboardKey(categoryName(3));
    expect((await cache.read(key, load(categoryName(3)))).outcome).toBe('miss');
    await eventually(async () => (await redis.exists(cache.redisKey(key))) === 0, {
      what: 'the cached dashboard to expire',
    });
    expect((await cache.read(key, load(categoryName(3)))).outcome).toBe('miss');
    expect(calls.n).toBe(2);
  });
});

describe('invalidation on write', () => {
  it('deletes the key after the order commits, so the next read shows the new units (read-after-write)', async () => {
    const { cache } = dashboardCache();
    const shop = catalogService(pool, cache);
    const before = (await shop.dashboard(categoryName(4)))!;
    expect(await redis.exists(cache.redisKey(dashboardKey(categoryName(4))))).toBe(1);

    await shop.recordOrder(31, 5); // product 31 is in category-4
    expect(await redis.exists(cache.redisKey(dashboardKey(categoryName(4))))).toBe(0);
    const after = (await shop.dashboard(categoryName(4)))!;
    expect(after.units).toBe(before.units + 5);
    expect(after.orderLines).toBe(before.orderLines + 1);
    expect(cache.stats()).toMatchObject({ hits: 0, misses: 2 });
  });

  it('invalidate() reports whether a value was cached', async () => {
    const { cache } = dashboardCache();
    await cache.readThrough('x', () => 1 as unknown as Dashboard);
    expect(await cache.invalidate('x')).toBe(true);
    expect(await cache.invalidate('x')).toBe(false);
  });

  it('breaks without invalidation: the naive service serves the old units while the database has the new ones', async () => {
    const { cache } = dashboardCache();
    const naive = naiveCatalogService(pool, cache, redis, 'forget-invalidate');
    const before = (await naive.dashboard(categoryName(5)))!;
    await naive.recordOrder(41, 5);
    expect((await loadDashboard(pool, categoryName(5)))!.units).toBe(before.units + 5);
    expect((await naive.dashboard(categoryName(5)))!.units).toBe(before.units); // stale until the TTL ends
  });

  it('breaks when the cache is set before COMMIT: a rolled-back order stays visible in the cache', async () => {
    const { cache } = dashboardCache();
    const naive = naiveCatalogService(pool, cache, redis, 'set-before-commit');
    const before = (await naive.dashboard(categoryName(6)))!;
    // Product 51 has 1 000 in stock: ordering 5 000 fails the CHECK after the cache was written.
    await expect(naive.recordOrder(51, 5_000)).rejects.toThrow('violates check constraint "products_stock_check"');
    expect((await loadDashboard(pool, categoryName(6)))!.units).toBe(before.units);
    expect((await naive.dashboard(categoryName(6)))!.units).toBe(before.units + 5_000); // an order that never happened
  });

  it('keeps cache and database equal when the same order fails in the correct service', async () => {
    const { cache } = dashboardCache();
    const shop = catalogService(pool, cache);
    const before = (await shop.dashboard(categoryName(6)))!;
    await expect(shop.recordOrder(52, 5_000)).rejects.toThrow('violates check constraint "products_stock_check"');
    expect(await shop.dashboard(categoryName(6))).toEqual(await loadDashboard(pool, categoryName(6)));
    expect((await shop.dashboard(categoryName(6)))!.units).toBe(before.units);
  });

  it('can still be stale until the TTL: a read that loaded before a write stores the old value after it', async () => {
    const { cache } = dashboardCache(60_000);
    const shop = catalogService(pool, cache);
    const key = dashboardKey(categoryName(7));
    const before = (await loadDashboard(pool, categoryName(7)))!;

    // A slow reader loads the dashboard, then stalls (GC, a slow network) before storing it...
    let resume!: () => void;
    const stalled = new Promise<void>((r) => (resume = r));
    let loaded!: () => void;
    const hasLoaded = new Promise<void>((r) => (loaded = r));
    const slowRead = cache.readThrough(key, async () => {
      const d = await loadDashboard(pool, categoryName(7));
      loaded();
      await stalled;
      return d;
    });
    await hasLoaded;
    // ...meanwhile an order commits and invalidates (there is nothing to delete yet)...
    await shop.recordOrder(61, 5);
    // ...and the reader stores the dashboard it loaded before the order.
    resume();
    expect((await slowRead)!.units).toBe(before.units);
    expect((await shop.dashboard(categoryName(7)))!.units).toBe(before.units);
    // The TTL is what bounds it: the stale entry carries the full TTL. Bring its end to 100 ms after
    // the server's "now" (as if the minute had passed) and let Redis expire it.
    const now = await serverNowMs(redis);
    const staleUntil = await redis.pexpiretime(cache.redisKey(key));
    expect(staleUntil).toBeGreaterThan(now); // -1 would mean no TTL: stale forever
    expect(staleUntil).toBeLessThanOrEqual(now + 60_000);
    await redis.pexpireat(cache.redisKey(key), now + 100);
    await eventually(async () => (await redis.exists(cache.redisKey(key))) === 0, {
      what: 'the stale dashboard to expire',
    });
    expect((await shop.dashboard(categoryName(7)))!.units).toBe(before.units + 5);
  });
});
