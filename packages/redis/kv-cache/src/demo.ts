// pnpm --filter poc-redis-kv-cache demo: cache-aside in front of a real aggregate query on PostgreSQL.
import { eventually, postgresDatabase, redisClient, redisNamespace, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import { cacheAside, isCacheError } from './index.ts';
import {
  catalogService,
  categoryName,
  dashboardKey,
  loadDashboard,
  naiveCatalogService,
  seedCatalog,
  type Dashboard,
} from './catalog.ts';

const SEED = { categories: 10, productsPerCategory: 100, linesPerProduct: 300 };
const TTL_MS = 1_000;
const say = (line = ''): void => console.log(line);
const ms = (t0: number): string => `${(performance.now() - t0).toFixed(1).padStart(6)} ms`;
const n = (x: number): string => x.toLocaleString('en-US');

runMain(async () => {
  const [redisServer, pgServer] = await Promise.all([serverFor('redis'), serverFor('postgres')]);
  const [ns, db] = await Promise.all([redisNamespace({ name: 'demo' }), postgresDatabase({ name: 'demo' })]);
  const redis = ns.client();
  const pool = db.pool({ max: 4 });

  try {
    say(
      `Redis cache-aside demo (Redis ${redisServer.version}, PostgreSQL ${pgServer.version}, ${redisServer.provider})`,
    );
    let t0 = performance.now();
    const seeded = await seedCatalog(pool, SEED);
    say(
      `Seeded ${n(seeded.products)} products in ${SEED.categories} categories and ${n(seeded.orderLines)} order lines (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );

    const cache = cacheAside<Dashboard | null>({ redis, ttlMs: TTL_MS });
    const shop = catalogService(pool, cache);
    const category = categoryName(3);
    const key = dashboardKey(category);
    let queries = 0;
    const load = (): Promise<Dashboard | null> => {
      queries++;
      return loadDashboard(pool, category);
    };

    say(
      `\n1. Read-through: the "${category}" dashboard (aggregates ${n(SEED.productsPerCategory * SEED.linesPerProduct)} order lines), 4 reads, ttl ${TTL_MS} ms`,
    );
    for (let i = 1; i <= 4; i++) {
      t0 = performance.now();
      const r = await cache.read(key, load);
      const d = r.value!;
      say(
        `   read ${i}: ${r.outcome.padEnd(5)} ${ms(t0)}  units ${n(d.units)}, revenue $${n(d.revenueCents / 100)}, best seller "${d.top.name}"`,
      );
    }
    say(`   the query ran ${queries} time${queries === 1 ? '' : 's'} for 4 reads`);

    say('\n2. TTL: nobody deletes the entry; it expires');
    t0 = performance.now();
    await eventually(async () => (await redis.exists(cache.redisKey(key))) === 0, { what: 'the entry to expire' });
    say(`   key gone ${Math.round(performance.now() - t0)} ms after the last read`);
    say(`   next read: ${(await cache.read(key, load)).outcome} (the query has now run ${queries} times)`);

    say('\n3. Write, then invalidate: an order of 5 units of product 201');
    const before = await cache.read(key, load);
    say(`   before: units ${n(before.value!.units)} (${before.outcome})`);
    await shop.recordOrder(201, 5);
    say(
      `   recordOrder: COMMIT, then DEL ${cache.redisKey(key)} -> exists = ${await redis.exists(cache.redisKey(key))}`,
    );
    const after = await cache.read(key, load);
    say(`   after:  units ${n(after.value!.units)} (${after.outcome}: read-after-write sees the order)`);

    say('\n4. Break it: the same kind of order through two naive services');
    const forgetful = naiveCatalogService(pool, cache, redis, 'forget-invalidate');
    await forgetful.recordOrder(202, 5);
    say(
      `   forget-invalidate: database ${n((await loadDashboard(pool, category))!.units)} units, cache serves ${n((await shop.dashboard(category))!.units)} (stale until the TTL ends)`,
    );
    await cache.invalidate(key);
    const eager = naiveCatalogService(pool, cache, redis, 'set-before-commit');
    const failed = await eager.recordOrder(203, 5_000).catch((e: unknown) => e as Error);
    say(`   set-before-commit: order of 5,000 -> ${failed instanceof Error ? failed.message : 'committed (!)'}`);
    say(
      `                      database ${n((await loadDashboard(pool, category))!.units)} units, cache serves ${n((await shop.dashboard(category))!.units)} (an order that never happened)`,
    );
    await cache.invalidate(key);

    say('\n5. Redis unreachable: reads fall back to the database (and say so)');
    const dead = redisClient('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, retryStrategy: () => null });
    dead.on('error', () => {});
    const degraded = cacheAside<Dashboard | null>({
      redis: dead,
      ttlMs: TTL_MS,
      onFallback: (e) => say(`   onFallback: ${e.operation} ${e.key} failed: ${e.error.message}`),
    });
    t0 = performance.now();
    const fallback = await degraded.read(key, load);
    say(`   read: ${fallback.outcome} ${ms(t0)}  units ${n(fallback.value!.units)}`);
    const lost = await degraded.invalidate(key).catch((e: unknown) => e);
    say(
      `   invalidate: ${isCacheError(lost, 'service') ? `${lost.name}: ${lost.message}` : `unexpected: ${String(lost)}`}`,
    );
    dead.disconnect();
    say('\ndone');
  } finally {
    await Promise.all([ns.close(), db.close()]);
  }
});
