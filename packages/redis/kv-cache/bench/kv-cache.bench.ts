// pnpm --filter poc-redis-kv-cache bench
// The same read served by PostgreSQL (baseline) and by the cache (a hit: one GET + JSON.parse), at
// three query costs, because the speed-up of a cache is mostly the cost of what it saves:
//   1. a primary-key lookup (1 row),
//   2. one product's sales (300 order lines through an index),
//   3. a category dashboard (30,000 order lines aggregated, plus the best seller) — the POC's case;
// then the dashboard again under 8 concurrent callers. Ratios are cache ÷ database ops/s.
import { benchReport, compareLoad, compareThroughput, measure, postgresDatabase, redisNamespace } from '@poc/harness';
import type pg from 'pg';
import { runMain } from '@poc/kit';
import { cacheAside } from '../src/index.ts';
import { categoryName, dashboardKey, loadDashboard, loadProduct, seedCatalog } from '../src/catalog.ts';

const SEED = { categories: 10, productsPerCategory: 100, linesPerProduct: 300 };
const CONCURRENCY = 8;
const ROUNDS = 5;
const TIME_MS = 1_000;

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

runMain(async () => {
  const [ns, db] = await Promise.all([redisNamespace({ name: 'kvbench' }), postgresDatabase({ name: 'kvbench' })]);
  const pool = db.pool({ max: CONCURRENCY });
  const redis = ns.client();

  try {
    const seeded = await seedCatalog(pool, SEED);
    const products = seeded.products;
    const cache = cacheAside<unknown>({ redis, ttlMs: 10 * 60_000 });
    // Rotate through every key so neither side reads one hot row or one hot cache entry.
    const next = (() => {
      let i = 0;
      return (mod: number): number => 1 + (i++ % mod);
    })();
    const dashboard = (c: number) => () => loadDashboard(pool, categoryName(c));

    // Fill the cache for every key so the cached variants measure hits only (their loader throws on a miss).
    for (let c = 1; c <= SEED.categories; c++) await cache.readThrough(dashboardKey(categoryName(c)), dashboard(c));
    for (let p = 1; p <= products; p++) {
      await cache.readThrough(`product:${p}`, () => loadProduct(pool, p));
      await cache.readThrough(`sales:${p}`, () => loadProductSales(pool, p));
    }

    const report = benchReport({
      parameters: {
        seed: `${SEED.categories} categories x ${SEED.productsPerCategory} products x ${SEED.linesPerProduct} order lines = ${seeded.orderLines} rows`,
        dashboardQuery: `${SEED.productsPerCategory * SEED.linesPerProduct} order lines aggregated + best seller`,
        salesQuery: `${SEED.linesPerProduct} order lines of one product via index`,
        cachedRead: 'GET + JSON.parse (hit)',
        pgPool: CONCURRENCY,
        rounds: ROUNDS,
        timeMsPerVariant: TIME_MS,
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

    const pk = await compareThroughput({
      id: 'pk-lookup',
      title: 'Cheap read: one product by primary key, one caller',
      variants: {
        database: () => loadProduct(pool, next(products)),
        cache: () => cache.readThrough(`product:${next(products)}`, () => Promise.reject(new Error('unexpected miss'))),
      },
      rounds: ROUNDS,
      timeMs: TIME_MS,
    });
    report.add(pk);

    const sales = await compareThroughput({
      id: 'product-sales',
      title: `Medium read: one product's sales (${SEED.linesPerProduct} order lines), one caller`,
      variants: {
        database: () => loadProductSales(pool, next(products)),
        cache: () => cache.readThrough(`sales:${next(products)}`, () => Promise.reject(new Error('unexpected miss'))),
      },
      rounds: ROUNDS,
      timeMs: TIME_MS,
    });
    report.add(sales);

    const dash = await compareThroughput({
      id: 'dashboard',
      title: `Expensive read: category dashboard (${SEED.productsPerCategory * SEED.linesPerProduct} order lines), one caller`,
      variants: {
        database: () => loadDashboard(pool, categoryName(next(SEED.categories))),
        cache: () =>
          cache.readThrough(dashboardKey(categoryName(next(SEED.categories))), () =>
            Promise.reject(new Error('unexpected miss')),
          ),
      },
      rounds: ROUNDS,
      timeMs: TIME_MS,
    });
    report.add(dash);

    const load = await compareLoad({
      id: 'dashboard-load',
      title: `Category dashboard under ${CONCURRENCY} concurrent callers`,
      variants: {
        database: () => loadDashboard(pool, categoryName(next(SEED.categories))),
        cache: () =>
          cache.readThrough(dashboardKey(categoryName(next(SEED.categories))), () =>
            Promise.reject(new Error('unexpected miss')),
          ),
      },
      concurrency: CONCURRENCY,
      durationMs: 1_500,
      rounds: 3,
    });
    report.add(load);

    const r = (c: typeof pk): string => `${c.ratios[0]!.median.toFixed(1)}x`;
    await report.finish(
      `A cache hit was ${r(dash)} the database's throughput for the ${SEED.productsPerCategory * SEED.linesPerProduct}-line dashboard ` +
        `(median query ${queryCost.summary.median.toFixed(1)} ms; ${r(load)} under ${CONCURRENCY} callers), ` +
        `${r(sales)} for a ${SEED.linesPerProduct}-line product aggregate and ${r(pk)} for a primary-key lookup: the speed-up is the cost of the query saved.`,
    );
  } finally {
    await Promise.all([ns.close(), db.close()]);
  }
});
