// pnpm --filter poc-caching-stampede bench: a hot key expiring under 200 concurrent readers (4
// "processes": 4 cache instances, each with its own Redis connection and its own memory, 50 readers
// each), the same window for every variant: fill the key with a TTL of TTL_MS, then every reader loops
// get() until WINDOW_MS after the fill, so the key expires once in the middle of each sample. Per
// sample: reads/s (the ratio), loads counted by PostgreSQL, every read's latency (p99 over all rounds)
// and the hit ratio from the caches' own counters. The loader is one PostgreSQL statement of COST_MS.
import {
  benchReport,
  compareRounds,
  percentiles,
  postgresDatabase,
  postgresDurability,
  redisNamespace,
  summarize,
} from '@poc/harness';
import { runMain } from '@poc/kit';
import { lockedCache, singleFlight, xfetchCache, type Cached } from '../src/index.ts';
import { naiveCache } from '../src/naive.ts';
import { createSource, loadsAtDatabase, reportLoader, type Report } from '../src/source.ts';

const READERS = 200;
const PROCESSES = 4;
const TTL_MS = 1_000;
const WINDOW_MS = 1_500;
const COST_MS = 50;
const PG_POOL = 20;
const POLL_MS = 10;
const ROUNDS = 6;
/** Reads that start this close to the expiry (before or after) make the "during expiry" latency. */
const AROUND_EXPIRY_MS = 250;

runMain(async () => {
  const [ns, db] = await Promise.all([
    redisNamespace({ name: 'stampede_bench' }),
    postgresDatabase({ name: 'stampede_bench' }),
  ]);
  try {
    const pool = db.pool({ max: PG_POOL });
    await createSource(pool, ['hot']);
    const loader = reportLoader(pool, COST_MS);
    const clients = Array.from({ length: PROCESSES }, () => ns.client());
    await Promise.all([
      ...clients.map((c) => c.ping()),
      ...Array.from({ length: PG_POOL }, () => pool.query('SELECT 1')),
    ]);

    const makers: Record<string, (prefix: string, i: number) => Cached<Report | null>> = {
      naive: (keyPrefix, i) => naiveCache(loader, { redis: clients[i]!, ttlMs: TTL_MS, keyPrefix }),
      'single-flight': (keyPrefix, i) =>
        naiveCache(singleFlight(loader), { redis: clients[i]!, ttlMs: TTL_MS, keyPrefix }),
      lock: (keyPrefix, i) => lockedCache(loader, { redis: clients[i]!, ttlMs: TTL_MS, keyPrefix, pollMs: POLL_MS }),
      xfetch: (keyPrefix, i) => xfetchCache(loader, { redis: clients[i]!, ttlMs: TTL_MS, keyPrefix }),
      'xfetch+single-flight': (keyPrefix, i) =>
        xfetchCache(singleFlight(loader), { redis: clients[i]!, ttlMs: TTL_MS, keyPrefix }),
    };
    const loads: Record<string, number[]> = {};
    const latencies: Record<string, number[]> = {};
    const hits: Record<string, { hits: number; gets: number }> = {};
    let sample = 0;

    /** One expiry under READERS readers: the key is filled, then read until WINDOW_MS after the fill. */
    const expiry = (variant: string) => async () => {
      const prefix = `${variant}:${sample++}:`;
      const caches = Array.from({ length: PROCESSES }, (_, i) => makers[variant]!(prefix, i));
      await caches[0]!.get('hot');
      const filled = performance.now();
      const before = await loadsAtDatabase(pool, 'hot');
      const lat = (latencies[variant] ??= []);
      let ops = 0;
      await Promise.all(
        Array.from({ length: READERS }, async (_, r) => {
          const cache = caches[r % PROCESSES]!;
          while (performance.now() - filled < WINDOW_MS) {
            const t0 = performance.now();
            await cache.get('hot');
            if (Math.abs(t0 - filled - TTL_MS) <= AROUND_EXPIRY_MS) lat.push(performance.now() - t0);
            ops++;
          }
        }),
      );
      const seconds = (performance.now() - filled) / 1_000;
      (loads[variant] ??= []).push((await loadsAtDatabase(pool, 'hot')) - before);
      const h = (hits[variant] ??= { hits: 0, gets: 0 });
      for (const c of caches) {
        const s = c.stats();
        h.hits += s.hits;
        h.gets += s.gets - (c === caches[0] ? 1 : 0); // not the fill
      }
      return { ops, seconds };
    };

    const report = benchReport({
      parameters: {
        readers: `${READERS} concurrent readers in ${PROCESSES} cache instances (own Redis connection and memory each)`,
        keys: 'one hot key',
        ttlMs: TTL_MS,
        windowMs: `${WINDOW_MS} per sample, from the fill: the key expires once, ${TTL_MS} ms in`,
        loader: `one PostgreSQL statement with pg_sleep(${COST_MS} ms), counting its loads in a table`,
        aroundExpiryMs: AROUND_EXPIRY_MS,
        pgPool: PG_POOL,
        lock: `SET NX PX (lockTtlMs 10000), waiters poll every ${POLL_MS} ms`,
        xfetch: 'beta 1, delta = measured load time',
        postgres: await postgresDurability(pool),
        redis: 'shared server, no persistence',
      },
      services: ['redis', 'postgres'],
    });
    const variants = Object.fromEntries(Object.keys(makers).map((v) => [v, expiry(v)]));
    const comparison = await compareRounds({
      id: 'expiry',
      title: `Reads/s through one expiry of a hot key, ${READERS} readers in ${PROCESSES} processes`,
      variants,
      rounds: ROUNDS,
      kind: 'load',
      concurrency: READERS,
      unit: 'reads/s',
    });
    report.add(comparison);
    for (const v of Object.keys(makers)) {
      const l = summarize(loads[v]!);
      const rounds = loads[v]!.length;
      report.add({
        id: `loads-${v}`,
        title: `${v}: loads at PostgreSQL per expiry (median of ${rounds}; min ${l.min}, max ${l.max})`,
        value: l.median,
        unit: 'load(s)',
      });
      const p = percentiles(latencies[v]!, [50, 99, 100]);
      report.add({
        id: `p99-${v}`,
        title: `${v}: p99 latency of reads started within ${AROUND_EXPIRY_MS} ms of the expiry (p50 ${p[50].toFixed(2)} ms, max ${p[100].toFixed(1)} ms; ${latencies[v]!.length} reads)`,
        value: Math.round(p[99] * 100) / 100,
        unit: 'ms',
      });
      report.add({
        id: `hit-ratio-${v}`,
        title: `${v}: hit ratio (reads answered from a fresh entry without loading or waiting)`,
        value: Math.round((1_000 * hits[v]!.hits) / hits[v]!.gets) / 10,
        unit: '%',
      });
    }
    await report.finish(
      "This POC's own claim: when a hot key expires under 200 concurrent readers, PostgreSQL saw {fact:loads-naive} from the naive cache, " +
        '{fact:loads-single-flight} with in-process single flight (one per process), {fact:loads-lock} with the Redis lock, ' +
        '{fact:loads-xfetch} with XFetch and {fact:loads-xfetch+single-flight} with XFetch over single flight. ' +
        'p99 of reads within {param:aroundExpiryMs} ms of the expiry: naive {fact:p99-naive}, lock {fact:p99-lock}, XFetch {fact:p99-xfetch}. ' +
        'Reads/s vs naive: lock {ratio:expiry/lock}, XFetch {ratio:expiry/xfetch} ' +
        '(hit ratios: naive {fact:hit-ratio-naive}, lock {fact:hit-ratio-lock}, XFetch {fact:hit-ratio-xfetch}).',
    );
  } finally {
    await Promise.all([ns.close(), db.close()]);
  }
});
