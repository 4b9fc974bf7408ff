// pnpm --filter poc-caching-refresh-ahead bench: steady reads of a few hot keys whose TTL ends several times
// per round, through a plain TTL cache (reload after expiry, in the reader that misses) and through
// refresh-ahead (reload in the background in the last REFRESH_AHEAD of the TTL), side by side in one
// process: the same readers, keys, TTL, loader and Redis/PostgreSQL connections. Both caches share one
// flight per key for loads, so the difference is only WHEN the reload happens. Recorded: every read's
// latency (p50/p99 from compareLoad), the hit ratio of each cache (its own counters) and the loads counted
// by PostgreSQL. The loader is one PostgreSQL statement made slow with pg_sleep(COST_MS).
import { benchReport, compareLoad, postgresDatabase, postgresDurability, redisNamespace } from '@poc/harness';
import { runMain } from '@poc/kit';
import { refreshAhead, type Cache } from '../src/index.ts';
import { plainTtlCache } from '../src/naive.ts';
import { createQuotes, quoteLoader, totalLoads, type Quote } from '../src/quotes.ts';

const READERS = 50;
const HOT_KEYS = 20;
const TTL_MS = 1_000;
const REFRESH_AHEAD = 0.25;
const COST_MS = 50;
const PG_POOL = 10;
const DURATION_MS = 4_000;
const ROUNDS = 6;

runMain(async () => {
  const [ns, db] = await Promise.all([
    redisNamespace({ name: 'refresh_ahead_bench' }),
    postgresDatabase({ name: 'refresh_ahead_bench' }),
  ]);
  try {
    const pool = db.pool({ max: PG_POOL });
    const keys = (variant: string): string[] => Array.from({ length: HOT_KEYS }, (_, i) => `${variant}-${i}`);
    const redis = ns.client();
    const loader = quoteLoader(pool, COST_MS);
    const caches: Record<string, Cache<Quote>> = {
      plain: plainTtlCache(loader, { redis, ttlMs: TTL_MS, keyPrefix: 'plain:' }),
      'refresh-ahead': refreshAhead(loader, { redis, ttlMs: TTL_MS, keyPrefix: 'ahead:', refreshAhead: REFRESH_AHEAD }),
    };
    await createQuotes(pool, Object.keys(caches).flatMap(keys));
    await Promise.all(Array.from({ length: PG_POOL }, () => pool.query('SELECT 1')));

    // Each reader walks the hot keys in turn, starting at its own offset: every key is read all the time.
    const next = Array.from({ length: READERS }, (_, r) => r % HOT_KEYS);
    const read = (variant: string) => (worker: number) => {
      const i = next[worker]!;
      next[worker] = (i + 1) % HOT_KEYS;
      return caches[variant]!.get(`${variant}-${i}`);
    };
    // Fill both caches before anything is timed (the warm-up also reads).
    await Promise.all(Object.keys(caches).flatMap((v) => keys(v).map((k) => caches[v]!.get(k))));
    const before = Object.fromEntries(Object.entries(caches).map(([v, c]) => [v, c.stats()]));
    const loadsBefore = Object.fromEntries(
      await Promise.all(Object.keys(caches).map(async (v) => [v, await totalLoads(pool, keys(v))] as const)),
    );

    const report = benchReport({
      parameters: {
        readers: `${READERS} concurrent readers, one Redis connection, in one process`,
        hotKeys: `${HOT_KEYS}, read round robin (every key read continuously)`,
        ttlMs: TTL_MS,
        refreshAhead: `${REFRESH_AHEAD} (a hit in the last ${REFRESH_AHEAD * TTL_MS} ms of the TTL reloads in the background)`,
        loader: `one PostgreSQL statement with pg_sleep(${COST_MS} ms), counting its loads in a table`,
        singleFlight: 'both caches: one load per key at a time in the process (poc-caching-stampede singleFlight)',
        pgPool: PG_POOL,
        durationMs: DURATION_MS,
        rounds: ROUNDS,
        postgres: await postgresDurability(pool),
        redis: 'shared server, no persistence',
      },
      services: ['redis', 'postgres'],
    });
    const load = await compareLoad({
      id: 'steady',
      title: `Reads of ${HOT_KEYS} hot keys (TTL ${TTL_MS} ms, loader ${COST_MS} ms), ${READERS} concurrent readers`,
      variants: Object.fromEntries(Object.keys(caches).map((v) => [v, read(v)])),
      baseline: 'plain',
      concurrency: READERS,
      durationMs: DURATION_MS,
      rounds: ROUNDS,
    });
    report.add(load);

    const latency = (v: string) => load.variants.find((x) => x.name === v)!.latencyMs!;
    for (const which of ['p99', 'p50'] as const) {
      report.add({
        id: `${which}-ratio`,
        title: `${which} read latency, plain TTL ÷ refresh-ahead (from the two ${which}s of "steady")`,
        value: Math.round((100 * latency('plain')[which]) / latency('refresh-ahead')[which]) / 100,
        unit: 'x',
      });
    }
    for (const [v, cache] of Object.entries(caches)) {
      const s = cache.stats();
      const gets = s.gets - before[v]!.gets;
      report.add({
        id: `hit-ratio-${v}`,
        title: `${v}: hit ratio (reads answered from the cache without waiting for a load), over ${gets} reads`,
        value: Math.round((1_000 * (s.hits - before[v]!.hits)) / gets) / 10,
        unit: '%',
      });
      report.add({
        id: `loads-${v}`,
        title: `${v}: loads counted by PostgreSQL during the timed rounds and warm-up (its cost: reloads of keys still fresh)`,
        value: (await totalLoads(pool, keys(v))) - loadsBefore[v]!,
        unit: 'loads',
      });
    }
    await report.finish(
      "This POC's own claim (the roadmap gives no figure): under steady reads of hot keys whose TTL keeps ending, " +
        'the read latency tail of plain TTL expiry vs refresh-ahead: p99 plain TTL {p99:steady/plain} ms vs refresh-ahead {p99:steady/refresh-ahead} ms ' +
        '(plain ÷ refresh-ahead: p99 {fact:p99-ratio}, p50 {fact:p50-ratio}); reads/s refresh-ahead ÷ plain {ratio:steady/refresh-ahead}; ' +
        'hit ratios: plain {fact:hit-ratio-plain}, refresh-ahead {fact:hit-ratio-refresh-ahead}; ' +
        'loads at PostgreSQL: plain {fact:loads-plain}, refresh-ahead {fact:loads-refresh-ahead}.',
    );
  } finally {
    await Promise.all([ns.close(), db.close()]);
  }
});
