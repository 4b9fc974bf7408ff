// pnpm --filter poc-caching-stale-read-after-write bench: the same write-then-read rounds through the naive
// cache and each fix, interleaved in one process, against a Redis replica whose replication link has
// latency added by toxiproxy (the lag measured, not assumed). Per strategy: rounds/s (ratio to the naive
// cache), the writer's stale reads and another session's, the hit ratio of the writer's reads and their
// median latency. Writes bench/results.json.
import { benchProfile, benchReport, compareRounds, postgresDatabase, postgresDurability } from '@poc/harness';
import { runMain } from '@poc/kit';
import { bypassAfterWrite, measureLagMs, readYourWritesCache, versionTokens, writeThrough } from '../src/index.ts';
import { naiveCache } from '../src/naive.ts';
import { createProfiles, profileKey, profileLoader } from '../src/profiles.ts';
import { warm, writeThenRead } from '../src/workload.ts';
import { replicatedRedis } from '../src/lab/topology.ts';

const short = benchProfile() === 'short';
const KEYS_PER_SAMPLE = short ? 40 : 200;
const CONCURRENCY = 8;
const LINK_LATENCY_MS = 20;
const BYPASS_MS = 1_000;
const TTL_MS = 600_000;
const ROUNDS = 6;
const strategies = {
  naive: naiveCache,
  'write-through': writeThrough,
  'version-tokens': versionTokens,
  bypass: () => bypassAfterWrite({ windowMs: BYPASS_MS }),
};
type Kind = keyof typeof strategies;
const kinds = Object.keys(strategies) as Kind[];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2;
};

runMain(async () => {
  const db = await postgresDatabase({ name: 'stale_read_after_write_bench' });
  const redis = await replicatedRedis();
  try {
    const pool = db.pool({ max: CONCURRENCY * 2 });
    await createProfiles(pool, KEYS_PER_SAMPLE * kinds.length * (ROUNDS + 2));
    await redis.link.addLatency(LINK_LATENCY_MS);
    const lags: number[] = [];
    for (let i = 0; i < 9; i++) lags.push(await measureLagMs(redis.primary, redis.replica, 'lag-probe'));
    const report = benchReport({
      parameters: {
        'rounds per sample': `${KEYS_PER_SAMPLE} (one fresh profile each: write, tell the cache, writer reads, another session reads)`,
        concurrency: CONCURRENCY,
        'replication link': `toxiproxy, +${LINK_LATENCY_MS} ms latency primary → replica`,
        'invalidation on write': 'DEL on the primary (write-through: SET of the new value)',
        'bypass window': `${BYPASS_MS} ms`,
        'value TTL': `${TTL_MS} ms`,
        postgres: await postgresDurability(pool),
        redis: 'private primary and replica, no persistence',
      },
      services: ['redis', 'postgres', 'toxiproxy'],
    });
    report.add({
      id: 'replica-lag',
      title: `Replica lag of one write (median of ${lags.length} probes)`,
      value: Number(median(lags).toFixed(1)),
      unit: 'ms',
    });

    let next = 1;
    const totals = new Map(
      kinds.map((k) => [k, { rounds: 0, writerStale: 0, otherStale: 0, hits: 0, reads: 0, ms: [] as number[] }]),
    );
    const sample = async (kind: Kind) => {
      const keys = Array.from({ length: KEYS_PER_SAMPLE }, () => profileKey(next++));
      const cache = readYourWritesCache(profileLoader(pool), {
        primary: redis.primary,
        reader: redis.replica,
        name: `${kind}-${next}`,
        ttlMs: TTL_MS,
        consistency: strategies[kind](),
      });
      await warm(cache, keys); // untimed: the cache (and the replica) hold the values about to be replaced
      await redis.caughtUp();
      const started = performance.now();
      const result = await writeThenRead(cache, pool, keys, { label: kind, concurrency: CONCURRENCY });
      const seconds = (performance.now() - started) / 1_000;
      const t = totals.get(kind)!;
      t.rounds += result.rounds;
      t.writerStale += result.writerStale;
      t.otherStale += result.otherStale;
      t.hits += result.writerSources.cache + result.writerSources.session; // answered without the database
      t.reads += result.rounds;
      t.ms.push(...result.writerReadMs);
      return { ops: result.rounds, seconds };
    };
    for (const kind of kinds) await sample(kind); // warm-up: connections, plans
    for (const t of totals.values())
      Object.assign(t, { rounds: 0, writerStale: 0, otherStale: 0, hits: 0, reads: 0, ms: [] });

    report.add(
      await compareRounds({
        id: 'rounds',
        title: `Write then read back, ${CONCURRENCY} concurrent users, rounds/s (ratio to the naive cache)`,
        variants: Object.fromEntries(kinds.map((k) => [k, () => sample(k)])),
        baseline: 'naive',
        rounds: ROUNDS,
        kind: 'load',
        concurrency: CONCURRENCY,
      }),
    );
    const naiveMs = median(totals.get('naive')!.ms);
    for (const [kind, t] of totals) {
      const pct = (n: number): number => Number(((100 * n) / Math.max(1, t.rounds)).toFixed(1));
      report.add({
        id: `writer-stale-${kind}`,
        title: `${kind}: writer's reads older than its write`,
        value: pct(t.writerStale),
        unit: '%',
      });
      report.add({
        id: `other-stale-${kind}`,
        title: `${kind}: another session's reads older than the write`,
        value: pct(t.otherStale),
        unit: '%',
      });
      report.add({
        id: `hit-ratio-${kind}`,
        title: `${kind}: writer's reads answered without PostgreSQL`,
        value: Number((t.hits / Math.max(1, t.reads)).toFixed(3)),
      });
      const ms = median(t.ms);
      report.add({
        id: `read-ms-${kind}`,
        title: `${kind}: median latency of the writer's read`,
        value: Number(ms.toFixed(3)),
        unit: 'ms',
      });
      report.add({
        id: `read-latency-ratio-${kind}`,
        title: `${kind}: median read latency ÷ the naive cache's`,
        value: Number((ms / naiveMs).toFixed(2)),
      });
    }
    await report.finish(
      'Own claim: with the replica {fact:replica-lag} behind, the writer read its own write back stale in {fact:writer-stale-naive} of rounds through the naive cache, and in {fact:writer-stale-version-tokens} / {fact:writer-stale-write-through} / {fact:writer-stale-bypass} with version tokens / write-through / bypass (other sessions still stale: {fact:other-stale-version-tokens} with tokens). Rounds/s vs naive: tokens {ratio:rounds/version-tokens}, write-through {ratio:rounds/write-through}, bypass {ratio:rounds/bypass}; writer read latency vs naive {fact:read-latency-ratio-version-tokens} / {fact:read-latency-ratio-write-through} / {fact:read-latency-ratio-bypass}; writer hit ratio naive {fact:hit-ratio-naive} (stale hits), tokens {fact:hit-ratio-version-tokens}, write-through {fact:hit-ratio-write-through}, bypass {fact:hit-ratio-bypass}.',
    );
  } finally {
    await redis.close();
    await db.close();
  }
});
