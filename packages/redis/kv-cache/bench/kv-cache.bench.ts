// pnpm --filter poc-redis-kv-cache bench
// The same read served by PostgreSQL (baseline) and by the cache, at three query costs, because the
// speed-up of a cache is mostly the cost of what it saves:
//   1. a primary-key lookup (1 row),
//   2. one product's sales (300 order lines through an index),
//   3. a category dashboard (30,000 order lines aggregated, plus the best seller) — the POC's case.
// Each has three variants, one caller: the database alone; a cache hit (GET + JSON.parse; its loader
// throws, so a miss would fail the bench: hit ratio 100% by construction); a cache miss (a key never
// read before: GET, the same query, SET with the TTL: hit ratio 0%).
// 4. The write path: an order committed alone, and committed then invalidated (DEL of its dashboard).
// 5. The dashboard under 8 concurrent callers with writes mixed in (1 operation in 1,000, then 1 in 100,
//    is an order): the cache side invalidates on every write, so its hit ratio is what the workload
//    gives; it is measured per round and published next to the ratio.
// Ratios are cache ÷ database ops/s, taken within each round.
import {
  benchReport,
  compareLoad,
  compareThroughput,
  measure,
  postgresDatabase,
  redisNamespace,
  summarize,
} from '@poc/harness';
import type pg from 'pg';
import { runMain } from '@poc/kit';
import { cacheAside, type CacheAside } from '../src/index.ts';
import {
  catalogService,
  categoryName,
  dashboardKey,
  loadDashboard,
  loadProduct,
  naiveCatalogService,
  seedCatalog,
  type Dashboard,
} from '../src/catalog.ts';

const SEED = { categories: 10, productsPerCategory: 100, linesPerProduct: 300 };
const CONCURRENCY = 8;
const ROUNDS = 6;
const TIME_MS = 500;
const WARMUP_MS = 100;
const LOAD_MS = 1_000;
const TTL_MS = 10 * 60_000;
/** Write mixes for the loaded dashboard: one operation in N is an order. */
const WRITE_EVERY = [1_000, 100] as const;

async function loadProductSales(
  q: Pick<pg.Pool, 'query'>,
  id: number,
): Promise<{ lines: number; units: number; revenueCents: number }> {
  const { rows } = await q.query<{ lines: number; units: number; revenue: string }>(
    'SELECT count(*)::int AS lines, sum(quantity)::int AS units, sum(quantity * unit_price_cents)::bigint AS revenue FROM order_lines WHERE product_id = $1',
    [id],
  );
  return { lines: rows[0]!.lines, units: rows[0]!.units, revenueCents: Number(rows[0]!.revenue) };
}

const unexpectedMiss = (): Promise<never> =>
  Promise.reject(new Error('unexpected miss: the hit variant read a key not in the cache'));

runMain(async () => {
  const [ns, db] = await Promise.all([redisNamespace({ name: 'kvbench' }), postgresDatabase({ name: 'kvbench' })]);
  const pool = db.pool({ max: CONCURRENCY });
  const redis = ns.client();

  try {
    const seeded = await seedCatalog(pool, SEED);
    const products = seeded.products;
    const cache = cacheAside<unknown>({ redis, ttlMs: TTL_MS });
    // Rotate through every key so neither side reads one hot row or one hot cache entry.
    const next = (() => {
      let i = 0;
      return (mod: number): number => 1 + (i++ % mod);
    })();
    // A miss reads a key nobody read before (the queried row still rotates): GET finds nothing, the
    // query runs, SET stores the value. Its own key space, so the hit variants never see these keys.
    let missSeq = 0;
    const missKey = (kind: string): string => `miss:${kind}:${missSeq++}`;

    // Fill the cache for every key so the hit variants measure hits only.
    for (let c = 1; c <= SEED.categories; c++)
      await cache.readThrough(dashboardKey(categoryName(c)), () => loadDashboard(pool, categoryName(c)));
    for (let p = 1; p <= products; p++) {
      await cache.readThrough(`product:${p}`, () => loadProduct(pool, p));
      await cache.readThrough(`sales:${p}`, () => loadProductSales(pool, p));
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, () => pool.query('SELECT 1')));

    const report = benchReport({
      parameters: {
        seed: `${SEED.categories} categories x ${SEED.productsPerCategory} products x ${SEED.linesPerProduct} order lines = ${seeded.orderLines} rows`,
        dashboardQuery: `${SEED.productsPerCategory * SEED.linesPerProduct} order lines aggregated + best seller`,
        salesQuery: `${SEED.linesPerProduct} order lines of one product via index`,
        cacheHit: 'GET + JSON.parse of a key filled before timing (hit ratio 100%)',
        cacheMiss: 'GET of a key never read before, the same query, SET PX (hit ratio 0%)',
        writePath:
          'order = INSERT order line + UPDATE stock in one transaction; + DEL of its dashboard key after COMMIT',
        writeMixes: WRITE_EVERY.map((n) => `1 operation in ${n} is an order`).join('; '),
        ttlMs: TTL_MS,
        pgPool: CONCURRENCY,
        redisConnections: 1,
        msPerVariantPerRound: `${TIME_MS} (one caller), ${LOAD_MS} (${CONCURRENCY} callers)`,
        loadConcurrency: CONCURRENCY,
      },
      services: ['redis', 'postgres'],
    });

    const queryCost = await measure({
      id: 'dashboard-query-ms',
      title: 'Dashboard query alone (PostgreSQL, one caller)',
      samples: 20,
      run: async () => void (await loadDashboard(pool, categoryName(next(SEED.categories)))),
    });
    report.add(queryCost);

    report.add(
      await compareThroughput({
        id: 'pk-lookup',
        title: 'Cheap read: one product by primary key, one caller',
        variants: {
          database: () => loadProduct(pool, next(products)),
          'cache-hit': () => cache.readThrough(`product:${next(products)}`, unexpectedMiss),
          'cache-miss': () => {
            const p = next(products);
            return cache.readThrough(missKey('product'), () => loadProduct(pool, p));
          },
        },
        rounds: ROUNDS,
        timeMs: TIME_MS,
        warmupMs: WARMUP_MS,
      }),
    );

    report.add(
      await compareThroughput({
        id: 'product-sales',
        title: `Medium read: one product's sales (${SEED.linesPerProduct} order lines), one caller`,
        variants: {
          database: () => loadProductSales(pool, next(products)),
          'cache-hit': () => cache.readThrough(`sales:${next(products)}`, unexpectedMiss),
          'cache-miss': () => {
            const p = next(products);
            return cache.readThrough(missKey('sales'), () => loadProductSales(pool, p));
          },
        },
        rounds: ROUNDS,
        timeMs: TIME_MS,
        warmupMs: WARMUP_MS,
      }),
    );

    report.add(
      await compareThroughput({
        id: 'dashboard',
        title: `Expensive read: category dashboard (${SEED.productsPerCategory * SEED.linesPerProduct} order lines), one caller`,
        variants: {
          database: () => loadDashboard(pool, categoryName(next(SEED.categories))),
          'cache-hit': () => cache.readThrough(dashboardKey(categoryName(next(SEED.categories))), unexpectedMiss),
          'cache-miss': () => {
            const c = categoryName(next(SEED.categories));
            return cache.readThrough(missKey('dashboard'), () => loadDashboard(pool, c));
          },
        },
        rounds: ROUNDS,
        timeMs: TIME_MS,
        warmupMs: WARMUP_MS,
        // ~100 ms per query: five timed calls, not tinybench's ten, so timeMs sets the pace.
        iterations: 5,
        warmupIterations: 1,
      }),
    );

    // The write path, one caller: what invalidation adds to an order.
    const mixCache = cacheAside<Dashboard | null>({ redis, ttlMs: TTL_MS, keyPrefix: 'mix:' });
    const withCache = catalogService(pool, mixCache);
    // The same transaction with no cache involved: the naive service that "forgets to invalidate"
    // commits exactly the order the correct one does and never touches Redis.
    const databaseOnly = {
      dashboard: (category: string) => loadDashboard(pool, category),
      recordOrder: naiveCatalogService(pool, mixCache, redis, 'forget-invalidate').recordOrder,
    };
    report.add(
      await compareThroughput({
        id: 'write-path',
        title: 'Write path: one order committed, one caller',
        variants: {
          commit: () => databaseOnly.recordOrder(next(products), 1),
          'commit+invalidate': () => withCache.recordOrder(next(products), 1),
        },
        rounds: ROUNDS,
        timeMs: TIME_MS,
        warmupMs: WARMUP_MS,
      }),
    );

    // The dashboard under load with writes mixed in. Hit ratio per timed run of the cache variant,
    // from the cache's own counters (a run is everything between two beforeEach calls).
    for (const every of WRITE_EVERY) {
      let op = 0;
      const mixed =
        (service: { dashboard(c: string): Promise<unknown>; recordOrder(p: number, q: number): Promise<void> }) =>
        async (): Promise<unknown> =>
          op++ % every === every - 1
            ? service.recordOrder(next(products), 1)
            : service.dashboard(categoryName(next(SEED.categories)));
      const runs: Array<{ hits: number; misses: number }> = [];
      let open: ReturnType<CacheAside<unknown>['stats']> | undefined;
      const close = (): void => {
        if (!open) return;
        const now = mixCache.stats();
        runs.push({ hits: now.hits - open.hits, misses: now.misses - open.misses });
        open = undefined;
      };
      const id = `writes-1-in-${every}`;
      const loaded = await compareLoad({
        id,
        title: `Category dashboard, ${CONCURRENCY} concurrent callers, 1 operation in ${every} is an order (invalidates its dashboard on the cache side)`,
        variants: { database: mixed(databaseOnly), cache: mixed(withCache) },
        concurrency: CONCURRENCY,
        durationMs: LOAD_MS,
        rounds: ROUNDS,
        beforeEach: (variant) => {
          close();
          if (variant === 'cache') open = mixCache.stats();
        },
      });
      close();
      report.add(loaded);
      // The first run of the cache variant is compareLoad's untimed warm-up.
      const timed = runs.slice(runs.length - loaded.rounds);
      const ratios = summarize(timed.map((r) => (100 * r.hits) / Math.max(1, r.hits + r.misses)));
      const round1 = (x: number): number => Math.round(x * 10) / 10;
      report.add({
        id: `hit-ratio-${id}`,
        title: `Hit ratio of the cache variant, 1 operation in ${every} an order (median of ${timed.length} timed runs; range ${round1(ratios.min)}–${round1(ratios.max)}%; ${timed.reduce((a, r) => a + r.misses, 0)} misses in all)`,
        value: round1(ratios.median),
        unit: '%',
      });
    }

    await report.finish(
      "The roadmap's claim, ~22x faster reads than the database, is one point on a curve. One caller, cache hit ÷ database: " +
        'primary-key lookup {ratio:pk-lookup/cache-hit}, 300-line product aggregate {ratio:product-sales/cache-hit}, ' +
        '30,000-line dashboard {ratio:dashboard/cache-hit} (the query alone: {measure:dashboard-query-ms}); ' +
        'cache miss ÷ database on the dashboard: {ratio:dashboard/cache-miss}. ' +
        '8 callers on the dashboard with orders invalidating it, cache ÷ database: 1 operation in 1,000 an order ' +
        '(hit ratio {fact:hit-ratio-writes-1-in-1000}) {ratio:writes-1-in-1000/cache}; 1 in 100 ' +
        '(hit ratio {fact:hit-ratio-writes-1-in-100}) {ratio:writes-1-in-100/cache}.',
    );
  } finally {
    await Promise.all([ns.close(), db.close()]);
  }
});
