// pnpm --filter poc-caching-write-through bench: the cost and the gain of write-through, side by side in one
// process against cache-aside (poc-redis-kv-cache: write the row, then delete the key). Both sides run the
// same Writer in a transaction on the same pool and the same Redis connection; write-through also SETs the
// entry inside the transaction, cache-aside DELs it after COMMIT.
//   "write":      one price write to a key drawn uniformly from KEYS (the latency cost of the SET).
//   "write-read": the same write, then a read of the key just written: write-through answers from the
//                 cache, cache-aside misses and reloads from PostgreSQL (the hit ratio it loses).
// Hit ratios come from each cache's own counters over the "write-read" rounds.
import { benchReport, compareLoad, postgresDatabase, postgresDurability, redisNamespace } from '@poc/harness';
import { runMain } from '@poc/kit';
import type pg from 'pg';
import { cacheAside } from 'poc-redis-kv-cache';
import { writeThrough } from '../src/index.ts';
import { createProducts, loadPrice, writePrice, type Price } from '../src/products.ts';

const CONCURRENCY = 16;
const KEYS = 1_000;
const TTL_MS = 60_000;
const PG_POOL = 20;
const DURATION_MS = 3_000;
const ROUNDS = 6;

runMain(async () => {
  const [ns, db] = await Promise.all([
    redisNamespace({ name: 'write_through_bench' }),
    postgresDatabase({ name: 'write_through_bench' }),
  ]);
  try {
    const pool = db.pool({ max: PG_POOL });
    const ids = Array.from({ length: KEYS }, (_, i) => `product-${i}`);
    await createProducts(pool, ids);
    const redis = ns.client();
    const load = loadPrice(pool);
    const through = writeThrough<Price>({
      redis,
      pool,
      write: writePrice,
      load,
      ttlMs: TTL_MS,
      onCacheFailure: 'invalidate',
      keyPrefix: 'wt:',
    });
    const aside = cacheAside<Price | null>({ redis, ttlMs: TTL_MS, keyPrefix: 'ca:' });
    /** Cache-aside's write: the same Writer in a transaction, then the key deleted. */
    const writeAside = async (id: string, value: Price): Promise<void> => {
      const client: pg.PoolClient = await pool.connect();
      try {
        await client.query('BEGIN');
        await writePrice(client, id, value);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      await aside.invalidate(id);
    };
    // Deterministic keys and prices: worker w takes every CONCURRENCY-th key from its own offset.
    const cursor = Array.from({ length: CONCURRENCY }, (_, w) => w);
    const nextKey = (worker: number): string => {
      cursor[worker] = (cursor[worker]! + CONCURRENCY + 1) % KEYS;
      return ids[cursor[worker]!]!;
    };
    let cents = 0;
    const price = (): Price => ({ cents: (cents = (cents + 7) % 100_000) });

    await Promise.all(ids.map((id) => through.get(id)));
    await Promise.all(ids.map((id) => aside.readThrough(id, () => load(id))));
    await Promise.all(Array.from({ length: PG_POOL }, () => pool.query('SELECT 1')));

    const report = benchReport({
      parameters: {
        concurrency: `${CONCURRENCY} concurrent callers, one Redis connection, one pg pool of ${PG_POOL}`,
        keys: `${KEYS} product rows, every key cached before timing, walked round robin (no two callers on one key)`,
        ttlMs: TTL_MS,
        write: 'one upsert in a transaction (BEGIN, INSERT ... ON CONFLICT DO UPDATE, COMMIT)',
        writeThrough: "SET inside the transaction, before COMMIT (onCacheFailure 'invalidate')",
        cacheAside: 'poc-redis-kv-cache: DEL after COMMIT, readThrough() fills on the next read',
        durationMs: DURATION_MS,
        rounds: ROUNDS,
        postgres: await postgresDurability(pool),
        redis: 'shared server, no persistence',
      },
      services: ['redis', 'postgres'],
    });
    report.add(
      await compareLoad({
        id: 'write',
        title: `Price writes, ${CONCURRENCY} concurrent callers`,
        variants: {
          'cache-aside': (w) => writeAside(nextKey(w), price()),
          'write-through': (w) => through.set(nextKey(w), price()),
        },
        baseline: 'cache-aside',
        concurrency: CONCURRENCY,
        durationMs: DURATION_MS,
        rounds: ROUNDS,
      }),
    );
    const before = { through: through.stats(), aside: aside.stats() };
    report.add(
      await compareLoad({
        id: 'write-read',
        title: `A price write, then a read of the key just written, ${CONCURRENCY} concurrent callers`,
        variants: {
          'cache-aside': async (w) => {
            const id = nextKey(w);
            await writeAside(id, price());
            return aside.readThrough(id, () => load(id));
          },
          'write-through': async (w) => {
            const id = nextKey(w);
            await through.set(id, price());
            return through.get(id);
          },
        },
        baseline: 'cache-aside',
        concurrency: CONCURRENCY,
        durationMs: DURATION_MS,
        rounds: ROUNDS,
      }),
    );
    const t = through.stats();
    const a = aside.stats();
    const ratio = (hits: number, total: number): number => Math.round((1_000 * hits) / total) / 10;
    const throughHits = t.hits - before.through.hits;
    const throughReads = throughHits + t.misses - before.through.misses;
    const asideHits = a.hits - before.aside.hits;
    const asideReads = asideHits + a.misses - before.aside.misses;
    report.add({
      id: 'hit-ratio-write-through',
      title: `write-through: hit ratio of the reads right after a write ("write-read", ${throughReads} reads)`,
      value: ratio(throughHits, throughReads),
      unit: '%',
    });
    report.add({
      id: 'hit-ratio-cache-aside',
      title: `cache-aside: hit ratio of the reads right after a write ("write-read", ${asideReads} reads)`,
      value: ratio(asideHits, asideReads),
      unit: '%',
    });
    await report.finish(
      "This POC's own claim (the roadmap gives no figure): the cost of writing the cache inside the write, against " +
        'cache-aside: writes/s write-through ÷ cache-aside {ratio:write/write-through} (p50 {p50:write/write-through} ms vs ' +
        '{p50:write/cache-aside} ms); the gain: a read right after a write hits {fact:hit-ratio-write-through} of the ' +
        'time with write-through and {fact:hit-ratio-cache-aside} with cache-aside, and write-then-read runs at ' +
        '{ratio:write-read/write-through} of cache-aside.',
    );
  } finally {
    await Promise.all([ns.close(), db.close()]);
  }
});
