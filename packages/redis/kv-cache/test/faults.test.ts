import { postgresDatabase, privateRedis, redisClient, type PostgresDatabase } from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { CacheServiceError, cacheAside, isCacheError, type FallbackEvent } from '../src/index.ts';
import {
  catalogService,
  categoryName,
  dashboardKey,
  loadDashboard,
  seedCatalog,
  type Dashboard,
} from '../src/catalog.ts';

let db: PostgresDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'kvfault' });
  pool = db.pool({ max: 2 });
  await seedCatalog(pool, { categories: 2, productsPerCategory: 5, linesPerProduct: 20 });
});
afterAll(() => db?.close());

describe('Redis down', () => {
  it('falls back to the database on read (reported through onFallback) and fails invalidation loudly', async () => {
    const server = await privateRedis();
    onTestFinished(() => server.close());
    const redis = redisClient(server.url, { maxRetriesPerRequest: 1 });
    onTestFinished(() => redis.disconnect());
    redis.on('error', () => {}); // reconnect attempts while the server is down; commands report their own errors
    const events: FallbackEvent[] = [];
    const cache = cacheAside<Dashboard | null>({ redis, ttlMs: 60_000, onFallback: (e) => events.push(e) });
    const shop = catalogService(pool, cache);
    const key = dashboardKey(categoryName(1));
    const read = () => cache.read(key, () => loadDashboard(pool, categoryName(1)));

    expect((await read()).outcome).toBe('miss');
    expect((await read()).outcome).toBe('hit');

    await server.stop();
    const down = await read();
    expect(down.outcome).toBe('fallback');
    expect(down.value).toEqual(await loadDashboard(pool, categoryName(1)));
    expect(events.map((e) => [e.operation, e.key])).toEqual([['get', 'cache:dashboard:category-1']]);

    // The order commits in PostgreSQL, but the stale dashboard cannot be deleted: the caller must hear it.
    const err = await shop.recordOrder(1, 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CacheServiceError);
    expect(isCacheError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(
      /^invalidating "cache:dashboard:category-1" failed: .+; the cached value may be served until its TTL \(60000 ms\) ends$/,
    );
    expect(cache.stats()).toEqual({ hits: 1, misses: 1, fallbacks: 1, absorbedErrors: 1 });

    // Back up (no persistence: the server restarts empty), the cache fills again.
    await server.start();
    const fresh = await loadDashboard(pool, categoryName(1));
    const again = await read();
    expect(again).toEqual({ value: fresh, outcome: 'miss' });
    expect((await read()).outcome).toBe('hit');
  });
});
