// pnpm --filter poc-caching-read-through bench: the same product read (a product and its review summary)
// straight from PostgreSQL, through readThrough, and through the naive read-through that does not cache
// "none", on a Zipfian key set where some ids have no row. Every timed run of a cached variant starts
// with a fresh cache (its own key prefix) warmed by the same number of untimed Zipfian reads, so every
// run starts from the same state; the hit ratio of the timed reads comes from the cache's own counters
// and is stored next to the ratio.
import {
  benchReport,
  compareLoad,
  postgresDatabase,
  postgresDurability,
  redisNamespace,
  summarize,
} from '@poc/harness';
import { runMain } from '@poc/kit';
import { readThrough, type ReadThrough } from '../src/index.ts';
import { naiveReadThrough } from '../src/naive.ts';
import { productQuery, seedProducts, type Product } from '../src/catalog.ts';
import { seededRandom, zipfian } from '../src/workload.ts';

const PRODUCTS = 10_000;
const REVIEWS_PER_PRODUCT = 20;
const IDS = 11_000; // 1,000 of them have no row
const ZIPF_S = 0.99;
const SEED = 17;
const CONCURRENCY = 16;
const DURATION_MS = 2_000;
const ROUNDS = 6;
const TTL_MS = 10 * 60_000;
const NEGATIVE_TTL_MS = 60_000;
/** Untimed Zipfian reads into every fresh cache before its timed run: each run starts from the same warm state. */
const WARM_READS = 20_000;

runMain(async () => {
  const [ns, db] = await Promise.all([redisNamespace({ name: 'rt_bench' }), postgresDatabase({ name: 'rt_bench' })]);
  try {
    const pool = db.pool({ max: CONCURRENCY });
    await seedProducts(pool, PRODUCTS, REVIEWS_PER_PRODUCT);
    const redis = ns.client();
    const query = productQuery(pool);
    // Zipf ranks mapped to ids by a seeded shuffle, so the missing ids are spread over hot and cold ranks.
    const ids = Array.from({ length: IDS }, (_, i) => i + 1);
    const random = seededRandom(SEED);
    for (let i = ids.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [ids[i], ids[j]] = [ids[j]!, ids[i]!];
    }
    const rank = zipfian(IDS, ZIPF_S, SEED);
    const nextKey = (): string => `product:${ids[rank() - 1]}`;
    await Promise.all([redis.ping(), ...Array.from({ length: CONCURRENCY }, () => pool.query('SELECT 1'))]);

    let run = 0;
    const caches: Record<string, ReadThrough<Product> | undefined> = {};
    const makers: Record<string, (prefix: string) => ReadThrough<Product>> = {
      'read-through': (keyPrefix) =>
        readThrough(query, { redis, ttlMs: TTL_MS, negativeTtlMs: NEGATIVE_TTL_MS, keyPrefix }),
      'naive (no negative cache)': (keyPrefix) => naiveReadThrough(query, { redis, ttlMs: TTL_MS, keyPrefix }),
    };
    const ratios: Record<string, number[]> = {};
    const close = (): void => {
      for (const [name, cache] of Object.entries(caches)) {
        if (!cache) continue;
        const s = cache.stats();
        const reads = s.hits + s.negativeHits + s.loads;
        (ratios[name] ??= []).push((100 * (s.hits + s.negativeHits)) / Math.max(1, reads));
        caches[name] = undefined;
      }
    };
    const read = (name: string) => () => caches[name]!.get(nextKey());

    const report = benchReport({
      parameters: {
        products: `${PRODUCTS} products x ${REVIEWS_PER_PRODUCT} reviews; the read = product + count and average of its reviews`,
        keys: `${IDS} ids (${IDS - PRODUCTS} with no row), Zipfian s = ${ZIPF_S}, ranks shuffled onto ids, seed ${SEED}`,
        cache: `fresh for every timed run (own key prefix), then warmed by ${WARM_READS} untimed Zipfian reads; ttlMs ${TTL_MS}, negativeTtlMs ${NEGATIVE_TTL_MS}; no eviction (Redis without maxmemory)`,
        zipfS: ZIPF_S,
        warmReads: WARM_READS,
        concurrency: CONCURRENCY,
        pgPool: CONCURRENCY,
        redisConnections: 1,
        durationMs: DURATION_MS,
        rounds: ROUNDS,
        postgres: await postgresDurability(pool),
        redis: 'shared server, no persistence',
      },
      services: ['redis', 'postgres'],
    });
    const comparison = await compareLoad({
      id: 'zipf',
      title: `Product reads on a Zipfian key set, ${CONCURRENCY} concurrent callers`,
      variants: {
        postgres: () => query(nextKey()),
        'read-through': read('read-through'),
        'naive (no negative cache)': read('naive (no negative cache)'),
      },
      concurrency: CONCURRENCY,
      durationMs: DURATION_MS,
      rounds: ROUNDS,
      beforeEach: async (variant) => {
        close();
        const make = makers[variant];
        if (!make) return;
        const cache = make(`rt${run++}:`);
        let left = WARM_READS;
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            while (left-- > 0) await cache.get(nextKey());
          }),
        );
        caches[variant] = make(cache.redisKey('')); // the same entries, counters from zero
      },
    });
    close();
    report.add(comparison);
    for (const name of Object.keys(makers)) {
      const timed = ratios[name]!.slice(-comparison.rounds); // the first run is the untimed warm-up
      const s = summarize(timed);
      report.add({
        id: `hit-ratio-${name.split(' ')[0]}`,
        title: `Hit ratio of ${name} in the timed runs (median of ${timed.length} timed runs; range ${s.min.toFixed(1)}–${s.max.toFixed(1)}%)`,
        value: Math.round(s.median * 10) / 10,
        unit: '%',
      });
    }
    await report.finish(
      "This POC's own claim: on a Zipfian key set (s {param:zipfS}) where 1 id in 11 has no row, read-through ÷ direct PostgreSQL reads = " +
        '{ratio:zipf/read-through} at a hit ratio of {fact:hit-ratio-read-through} (each run from a cache warmed by {param:warmReads} reads); ' +
        'without negative caching {ratio:zipf/naive (no negative cache)} at {fact:hit-ratio-naive}.',
    );
  } finally {
    await Promise.all([ns.close(), db.close()]);
  }
});
