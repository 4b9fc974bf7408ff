// pnpm --filter poc-resilience-graceful-degradation bench: the POC's own claim, measured. Three copies of the
// lab service (fastify, own process, PostgreSQL through its own toxiproxy proxy, Redis direct):
//   POC       compose(fallback, circuitBreaker, timeout) around each query (stale copy / default / feature off)
//   catch     the naive try/catch fallback: no timeout, no breaker
//   none      no fallback: a failed query is a 500
// 1. healthy: GET /products/1 (one indexed query, plus the Redis write of the stale copy on the POC and
//    catch sides), CONCURRENCY callers, compareLoad: the cost of the pattern when nothing fails.
// 2. cut and 3. hang: each round, each variant's link is cut (connections closed, new ones refused) or hung
//    (toxiproxy timeout toxic: data dropped, connections kept), FAULT_CALLERS callers cycle over the three
//    endpoints for FAULT_MS, each request given up by the client after CLIENT_TIMEOUT_MS; then the link is
//    restored and the service recovers before the next run. Per run: the p99 of the time to an answer (an
//    answer is any HTTP status; a request the client gave up on counts at its give-up time) and the share of
//    requests answered 200. Ratios (compareRounds) are variant ÷ POC within a round.
import {
  benchProfile,
  benchReport,
  compareLoad,
  compareRounds,
  eventually,
  latencySummary,
  postgresDatabase,
  postgresDurability,
  redisNamespace,
} from '@poc/harness';
import { runMain } from '@poc/kit';
import { LAB_DEFAULTS, startLab, type Lab } from '../src/lab/lab.ts';
import type { Variant } from '../src/lab/service.ts';

const short = benchProfile() === 'short';
const CONCURRENCY = 8;
const HEALTHY_MS = 2_000;
const FAULT_CALLERS = 8;
const FAULT_MS = short ? 1_000 : 3_000;
const CLIENT_TIMEOUT_MS = 1_000;
const ROUNDS = short ? 3 : 5;
const VARIANTS: Record<string, Variant> = { POC: 'degrade', catch: 'catch', none: 'none' };
const PATHS = ['/products/1', '/products/1/recommendations', '/products/1/reviews'];

interface FaultRun {
  p99: number;
  ok: number;
  total: number;
}

runMain(async () => {
  const db = await postgresDatabase({ name: 'graceful_degradation_bench' });
  const redis = await redisNamespace({ name: 'graceful_degradation_bench' });
  const labs: Record<string, Lab> = {};
  try {
    for (const [name, variant] of Object.entries(VARIANTS)) labs[name] = await startLab(variant, db, redis);
    const report = benchReport({
      parameters: {
        queryTimeoutMs: LAB_DEFAULTS.timeoutMs,
        breaker: `consecutive ${LAB_DEFAULTS.threshold} failures, halfOpenAfterMs ${LAB_DEFAULTS.halfOpenAfterMs}`,
        pgPool: 'max 5, pg defaults (no connection timeout)',
        healthyConcurrency: CONCURRENCY,
        healthyMs: HEALTHY_MS,
        faultCallers: FAULT_CALLERS,
        faultMs: FAULT_MS,
        clientTimeoutMs: CLIENT_TIMEOUT_MS,
        rounds: ROUNDS,
        faults: 'cut: toxiproxy proxy disabled; hang: toxiproxy timeout toxic (timeout 0) downstream',
        durability: await postgresDurability(db.pool()),
      },
      services: ['postgres', 'redis', 'toxiproxy'],
    });

    const get = async (lab: Lab, path: string): Promise<void> => {
      const a = await lab.get(path, CLIENT_TIMEOUT_MS);
      if (a.status !== 200) throw new Error(`answered ${a.status}`);
    };
    for (const lab of Object.values(labs)) await get(lab, '/products/1'); // warm, and the stale copy exists

    const healthy = await compareLoad({
      id: 'healthy',
      title: `Healthy: GET /products/1, ${CONCURRENCY} callers (cost of the pattern when nothing fails)`,
      variants: Object.fromEntries(Object.entries(labs).map(([n, lab]) => [n, () => get(lab, '/products/1')])),
      baseline: 'none',
      concurrency: CONCURRENCY,
      durationMs: HEALTHY_MS,
      rounds: ROUNDS,
    });
    report.add(healthy);

    const runs: Record<string, Record<string, FaultRun[]>> = { cut: {}, hang: {} };
    const underFault = async (fault: 'cut' | 'hang', name: string): Promise<FaultRun> => {
      const lab = labs[name]!;
      await (fault === 'cut' ? lab.cut() : lab.hang());
      const latencies: number[] = [];
      let ok = 0;
      const start = performance.now();
      await Promise.all(
        Array.from({ length: FAULT_CALLERS }, async (_, c) => {
          for (let i = c; performance.now() - start < FAULT_MS; i++) {
            const t0 = performance.now();
            const a = await lab.get(PATHS[i % PATHS.length]!, CLIENT_TIMEOUT_MS);
            latencies.push(performance.now() - t0);
            if (a.status === 200) ok++;
          }
        }),
      );
      // Recover before the next run: a hung link ends when its connections are closed.
      if (fault === 'hang') await lab.cut();
      await lab.restore();
      await eventually(
        async () => {
          const a = await lab.get('/products/1', CLIENT_TIMEOUT_MS);
          return a.status === 200 && a.degraded === null;
        },
        { timeoutMs: 30_000, what: `${name} answering fresh after the ${fault}` },
      );
      const run = { p99: latencySummary(latencies).p99, ok, total: latencies.length };
      (runs[fault]![name] ??= []).push(run);
      return run;
    };

    for (const fault of ['cut', 'hang'] as const) {
      const comparison = await compareRounds({
        id: `${fault}-p99`,
        title: `PostgreSQL ${fault === 'cut' ? 'cut' : 'hung'}: p99 ms to an answer (client gives up at ${CLIENT_TIMEOUT_MS} ms), variant ÷ POC`,
        variants: Object.fromEntries(Object.keys(labs).map((n) => [n, async () => (await underFault(fault, n)).p99])),
        baseline: 'POC',
        rounds: ROUNDS,
        unit: 'ms',
      });
      report.add(comparison);
      for (const [name, list] of Object.entries(runs[fault]!)) {
        const ok = list.reduce((a, r) => a + r.ok, 0);
        const total = list.reduce((a, r) => a + r.total, 0);
        report.add({
          id: `${fault}-success-${name.toLowerCase()}`,
          title: `PostgreSQL ${fault}: requests answered 200, ${name} (all runs)`,
          value: `${((100 * ok) / total).toFixed(1)}% (${ok}/${total})`,
        });
      }
    }
    const stats = await labs.POC!.stats();
    report.add({
      id: 'breaker-poc',
      title: 'POC breaker over the whole bench: opened / probes / rejected at once / failed',
      value: `${stats.breaker!.opened} / ${stats.breaker!.probes} / ${stats.breaker!.rejected} / ${stats.breaker!.failed}`,
    });

    await report.finish(
      "POC's own claim: with PostgreSQL hung, p99 to an answer without fallbacks is {ratio:hang-p99/none} the POC's (naive try/catch: {ratio:hang-p99/catch}); requests answered 200: POC {fact:hang-success-poc}, none {fact:hang-success-none}; cut: POC {fact:cut-success-poc}, none {fact:cut-success-none}; healthy throughput POC ÷ none = {ratio:healthy/POC}.",
    );
  } finally {
    for (const lab of Object.values(labs)) await lab.close();
    await redis.close();
    await db.close();
  }
});
