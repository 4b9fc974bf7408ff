// pnpm --filter poc-caching-invalidation bench: the four strategies run the same concurrent read/write
// mix against the same table, interleaved in rounds in one process. Per strategy: throughput (ratio to
// delete-after-write, the cost of the fix), the keys left stale once the mix has finished (summed over
// rounds), the reads the cache answered (hit ratio) and the sets it refused. Writes bench/results.json.
import {
  benchProfile,
  benchReport,
  compareRounds,
  postgresDatabase,
  postgresDurability,
  redisNamespace,
} from '@poc/harness';
import { runMain } from '@poc/kit';
import { mixedWorkload } from '../src/index.ts';
import { createItems } from '../src/items.ts';
import { runMix, strategy, strategyNames, type StrategyName } from '../src/lab/strategies.ts';

const short = benchProfile() === 'short';
const KEYS = 20;
const OPS = short ? 600 : 4_000;
const WRITE_RATIO = 0.2;
const CONCURRENCY = 16;
const LOAD_DELAY_MS = 1;
const TTL_MS = 600_000;
const ROUNDS = 6;

runMain(async () => {
  const redisNs = await redisNamespace({ name: 'invalidation_bench' });
  const db = await postgresDatabase({ name: 'invalidation_bench' });
  try {
    const pool = db.pool({ max: CONCURRENCY });
    const redis = redisNs.client();
    await createItems(pool, KEYS);
    const report = benchReport({
      parameters: {
        keys: KEYS,
        'operations per round and strategy': OPS,
        'write ratio': WRITE_RATIO,
        'key distribution': 'skewed: key = floor(keys × u²), u uniform (seeded)',
        concurrency: CONCURRENCY,
        'extra load time (pg_sleep)': `${LOAD_DELAY_MS} ms`,
        'value TTL': `${TTL_MS} ms (longer than the run: a stale value stays)`,
        'lease retry': '5 ms',
        postgres: await postgresDurability(pool),
        redis: 'shared server, no persistence',
      },
      services: ['redis', 'postgres'],
    });

    const totals = new Map<
      StrategyName,
      { staleReads: number; stale: number; hits: number; loads: number; refused: number }
    >(strategyNames.map((n) => [n, { staleReads: 0, stale: 0, hits: 0, loads: 0, refused: 0 }]));
    let round = 0;
    const sample = async (kind: StrategyName) => {
      const s = strategy(kind, { redis, pool, name: `${kind}-${round++}`, ttlMs: TTL_MS, loadDelayMs: LOAD_DELAY_MS });
      const ops = mixedWorkload({ seed: round, keys: KEYS, ops: OPS, writeRatio: WRITE_RATIO });
      const started = performance.now();
      const result = await runMix(s, pool, ops, CONCURRENCY, `${kind}-${round}`);
      const seconds = (performance.now() - started) / 1_000; // the stale count after it is not timed
      const t = totals.get(kind)!;
      const stats = s.stats();
      t.stale += result.staleKeys;
      t.staleReads += result.staleReads;
      t.hits += stats.hits;
      t.loads += stats.loads;
      t.refused += stats.refusedSets;
      return { ops: result.reads + result.writes, seconds };
    };
    await sample('delete-after-write'); // warm-up: connections, plans, scripts loaded
    totals.set('delete-after-write', { staleReads: 0, stale: 0, hits: 0, loads: 0, refused: 0 });

    report.add(
      await compareRounds({
        id: 'mix',
        title: `Read/write mix (${WRITE_RATIO * 100}% writes), ${CONCURRENCY} concurrent callers, ops/s`,
        variants: Object.fromEntries(strategyNames.map((n) => [n, () => sample(n)])),
        baseline: 'delete-after-write',
        rounds: ROUNDS,
        kind: 'load',
        concurrency: CONCURRENCY,
      }),
    );
    for (const [kind, t] of totals) {
      report.add({
        id: `stale-reads-${kind}`,
        title: `${kind}: reads older than a write finished before they began (all rounds)`,
        value: t.staleReads,
        unit: 'reads',
      });
      report.add({
        id: `stale-${kind}`,
        title: `${kind}: keys stale after the mix (all rounds)`,
        value: t.stale,
        unit: 'keys',
      });
      report.add({
        id: `hit-ratio-${kind}`,
        title: `${kind}: hit ratio of reads`,
        value: Number((t.hits / Math.max(1, t.hits + t.loads)).toFixed(3)),
      });
      report.add({ id: `refused-${kind}`, title: `${kind}: sets refused`, value: t.refused, unit: 'sets' });
    }
    await report.finish(
      'Own claim: under the same concurrent read/write mix, stale reads were delete-after-write {fact:stale-reads-delete-after-write}, update-after-write {fact:stale-reads-update-after-write}, versions {fact:stale-reads-versions}, leases {fact:stale-reads-leases}. The fix costs versions ÷ delete-after-write = {ratio:mix/versions} and leases ÷ delete-after-write = {ratio:mix/leases} in throughput (hit ratios {fact:hit-ratio-delete-after-write}, {fact:hit-ratio-versions}, {fact:hit-ratio-leases}).',
    );
  } finally {
    await redisNs.close();
    await db.close();
  }
});
