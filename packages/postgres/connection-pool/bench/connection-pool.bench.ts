// pnpm --filter poc-postgres-connection-pool bench: throughput and p99 against pool size (1..64) for two
// workloads, at a fixed 64 concurrent callers, beside pg's default Pool (max 10) and connect-per-request,
// all in one process with interleaved rounds (compareLoad). The queue wait (request -> checkout) of each
// metered pool is recorded as a fact. Writes bench/results.json and bench/plans/.
//
// Workloads (src/workload.ts): an indexed read plus pg_sleep(SLEEP_MS) on the server (the connection is
// held while the server waits without using a CPU), and a CPU-bound aggregate over SPAN cached rows.
// Parallel query is switched off for the bench's database, so one query uses one backend.
import { postgresDatabase } from '@poc/harness/services';
import {
  benchProfile,
  benchReport,
  compareLoad,
  explainAnalyze,
  postgresDurability,
  savePlans,
  type Comparison,
} from '@poc/harness/bench';
import { runMain } from '@poc/kit';
import pg from 'pg';
import { CPU_SCAN, SLEEP_READ, createAccounts, meteredPool, type MeteredPool } from '../src/index.ts';
import { connectPerRequest } from '../src/naive.ts';

const SHORT = benchProfile() === 'short';
const ROWS = SHORT ? 20_000 : 200_000;
const POOL_SIZES = [1, 2, 4, 8, 16, 32, 64] as const;
const CONCURRENCY = 64;
const SLEEP_MS = 2;
const SPAN = SHORT ? 5_000 : 20_000;
const DURATION_MS = 1_000;
const ROUNDS = 5;
const DEFAULT_POOL = 'pg default Pool (max 10)';
const PER_REQUEST = 'connect-per-request';

const round1 = (n: number): number => Math.round(n * 10) / 10;

runMain(async () => {
  const db = await postgresDatabase({ name: 'pool_bench' });
  try {
    const setup = await db.client();
    await setup.query(`ALTER DATABASE "${db.name}" SET max_parallel_workers_per_gather = 0`);
    await createAccounts(setup, { rows: ROWS, seed: 1 });
    await setup.query('VACUUM ANALYZE accounts');
    const setting = async (name: string): Promise<string> =>
      (await setup.query<{ v: string }>('SELECT current_setting($1) AS v', [name])).rows[0]!.v;
    const tableSize = (
      await setup.query<{ s: string }>(`SELECT pg_size_pretty(pg_total_relation_size('accounts')) AS s`)
    ).rows[0]!.s;

    const metered = new Map<number, MeteredPool>(
      POOL_SIZES.map((max) => [max, meteredPool(db.pool({ max }), { acquireTimeoutMs: 60_000 })]),
    );
    const defaultPool = new pg.Pool({ connectionString: db.url }); // pg's defaults: max 10, no acquire timeout
    const perRequest = connectPerRequest({ connectionString: db.url });

    const workloads = [
      {
        id: 'sleep',
        name: `${SLEEP_READ.name} (${SLEEP_MS} ms)`,
        sql: SLEEP_READ.sql,
        values: (i: number) => SLEEP_READ.values(1 + (i % ROWS), SLEEP_MS),
      },
      {
        id: 'cpu',
        name: `${CPU_SCAN.name} (${SPAN} rows)`,
        sql: CPU_SCAN.sql,
        values: (i: number) => CPU_SCAN.values(1 + (i % (ROWS - SPAN)), SPAN),
      },
    ];

    // Same answer on every side before anything is timed.
    for (const w of workloads) {
      const expected = JSON.stringify((await setup.query(w.sql, w.values(123))).rows);
      const answers = [
        ...[...metered.values()].map(async (p) => (await p.query(w.sql, w.values(123))).rows),
        defaultPool.query(w.sql, w.values(123)).then((r) => r.rows),
        perRequest.query(w.sql, w.values(123)).then((r) => r.rows),
      ];
      for (const a of await Promise.all(answers))
        if (JSON.stringify(a) !== expected)
          throw new Error(`${w.id}: a variant returned ${JSON.stringify(a)}, not ${expected}`);
    }

    const report = benchReport({
      parameters: {
        rows: ROWS,
        tableSize,
        sharedBuffers: await setting('shared_buffers'),
        fitsInSharedBuffers: 'yes (table and index cached; VACUUM ANALYZE before timing)',
        concurrency: CONCURRENCY,
        poolSizes: POOL_SIZES.join(', '),
        sleepMs: SLEEP_MS,
        cpuSpanRows: SPAN,
        durationMsPerVariant: DURATION_MS,
        rounds: ROUNDS,
        acquireTimeoutMs: 60_000,
        maxParallelWorkersPerGather: 0,
        serverMaxConnections: await setting('max_connections'),
        transport: 'pg over loopback TCP, client and server on the same 2 cores',
        durability: await postgresDurability(setup),
      },
      services: ['postgres'],
    });

    const plans: Record<string, { sql: string; plan: string }> = {};
    for (const w of workloads) {
      const variants: Record<string, () => Promise<unknown>> = {};
      let i = 0;
      variants[DEFAULT_POOL] = () => defaultPool.query(w.sql, w.values(i++));
      for (const [max, pool] of metered) variants[`pool ${max}`] = () => pool.query(w.sql, w.values(i++));
      variants[PER_REQUEST] = () => perRequest.query(w.sql, w.values(i++));
      for (const pool of metered.values()) pool.resetStats();
      const comparison: Comparison = await compareLoad({
        id: w.id,
        title: `${w.name}: ${CONCURRENCY} concurrent callers, by pool size`,
        variants,
        baseline: DEFAULT_POOL,
        concurrency: CONCURRENCY,
        durationMs: DURATION_MS,
        rounds: ROUNDS,
      });
      report.add(comparison);
      report.add({
        id: `${w.id}-wait`,
        title: `${w.name}: queue wait (request -> checkout) of the metered pools, p50 / p99 ms, warm-up included`,
        value: [...metered]
          .map(([max, p]) => {
            const s = p.stats().wait;
            return `pool ${max}: ${round1(s.p50Ms)} / ${round1(s.p99Ms)}`;
          })
          .join('; '),
      });
      plans[w.id] = { sql: w.sql, plan: await explainAnalyze(setup, w.sql, w.values(123)) };
    }
    savePlans(plans);
    await defaultPool.end();
    await report.finish(
      `Throughput vs pool size at {param:concurrency} callers (the roadmap's claim is the curve itself), as a ratio to pg's default Pool (max 10). ` +
        `Indexed read + ${SLEEP_MS} ms pg_sleep: pool 1 {ratio:sleep/pool 1}, pool 4 {ratio:sleep/pool 4}, pool 32 {ratio:sleep/pool 32}, pool 64 {ratio:sleep/pool 64}, connect-per-request {ratio:sleep/${PER_REQUEST}}. ` +
        `CPU-bound aggregate: pool 1 {ratio:cpu/pool 1}, pool 2 {ratio:cpu/pool 2}, pool 4 {ratio:cpu/pool 4}, pool 64 {ratio:cpu/pool 64} (p99 {p99:cpu/pool 64} ms vs {p99:cpu/pool 4} ms at pool 4), connect-per-request {ratio:cpu/${PER_REQUEST}}.`,
    );
  } finally {
    await db.close();
  }
});
