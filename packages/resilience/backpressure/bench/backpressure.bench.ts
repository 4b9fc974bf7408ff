// pnpm --filter poc-resilience-backpressure bench: the POC's own claim, measured. The lab service (fastify,
// its own process, one PostgreSQL `pg_sleep` of fixed cost per request on a pool of `concurrency`
// connections) is first measured for capacity (closed loop), then each variant, in a fresh process per run,
// takes an open-loop load of 2x that capacity for a fixed duration:
//   POC        admission({ concurrency, queue, maxQueueWaitMs }) + shedLoad(): 503 + Retry-After beyond it
//   unbounded  the naive variant: same slots, a queue without bound (what p-limit does)
//   p-queue    p-queue({ concurrency }) with the size check its README suggests, 503 + Retry-After: 1
// Per run: the p99 latency of accepted requests (answered 200 before the grace period ended; the ones still
// waiting then are aborted and counted apart, so the unbounded variants' p99 is if anything flattered), and
// the service's peak RSS and peak heap over the run (sampled every 50 ms in the service). Rounds run every
// variant once in a rotated order; the ratios are taken within a round (compareRounds).
import {
  benchProfile,
  benchReport,
  compareRounds,
  latencySummary,
  postgresDurability,
  postgresDatabase,
} from '@poc/harness';
import { runMain } from '@poc/kit';
import { LAB_DEFAULTS, startLab } from '../src/lab/lab.ts';
import { measureCapacity, openLoop } from '../src/lab/load.ts';
import type { Variant } from '../src/lab/service.ts';

const short = benchProfile() === 'short';
const OVERLOAD = 2;
const DURATION_MS = short ? 1_500 : 5_000;
const GRACE_MS = 1_000;
const ROUNDS = short ? 3 : 5;
const VARIANTS: Record<string, Variant> = { POC: 'bounded', unbounded: 'unbounded', 'p-queue': 'p-queue' };

interface Run {
  p99: number;
  rssMiB: number;
  heapMiB: number;
  rssGrowthMiB: number;
  ok: number;
  shed: number;
  unanswered: number;
  maxQueued: number;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;
const MiB = 2 ** 20;

runMain(async () => {
  const db = await postgresDatabase({ name: 'backpressure_bench' }); // the service's queries run here; no tables
  try {
    const probe = await startLab('bounded', db.url);
    const capacity = await measureCapacity(
      `${probe.url}/work`,
      LAB_DEFAULTS.concurrency + LAB_DEFAULTS.queue,
      short ? 1_000 : 3_000,
    );
    await probe.close();
    const rate = Math.round(OVERLOAD * capacity);

    const report = benchReport({
      parameters: {
        concurrency: LAB_DEFAULTS.concurrency,
        queueBound: LAB_DEFAULTS.queue,
        maxQueueWaitMs: LAB_DEFAULTS.maxQueueWaitMs,
        work: `SELECT pg_sleep(${LAB_DEFAULTS.workMs / 1000}) on a pg pool of ${LAB_DEFAULTS.concurrency}`,
        measuredCapacityReqPerSec: Math.round(capacity),
        overload: `${OVERLOAD}x measured capacity, open loop: ${rate} req/s`,
        durationMs: DURATION_MS,
        graceMs: GRACE_MS,
        rounds: ROUNDS,
        sampleMs: LAB_DEFAULTS.sampleMs,
        loadGenerator: 'open loop (src/lab/load.ts), Node fetch, one request per arrival',
        durability: await postgresDurability(db.pool()),
      },
      services: ['postgres'],
    });
    report.add({
      id: 'capacity',
      title: 'Measured capacity of the service (closed loop)',
      value: Math.round(capacity),
      unit: 'req/s',
    });

    const runs: Record<string, Run[]> = Object.fromEntries(Object.keys(VARIANTS).map((n) => [n, []]));
    const runOnce = async (name: string): Promise<Run> => {
      const lab = await startLab(VARIANTS[name]!, db.url);
      try {
        await lab.resetSamples();
        const load = await openLoop({
          url: `${lab.url}/work`,
          ratePerSec: rate,
          durationMs: DURATION_MS,
          graceMs: GRACE_MS,
        });
        const stats = await lab.stats();
        const ok = load.answers.filter((a) => a.status === 200).map((a) => a.latencyMs);
        if (ok.length === 0) throw new Error(`${name}: no request answered 200`);
        const rss = stats.samples.map((s) => s.rssBytes);
        const run: Run = {
          p99: latencySummary(ok).p99,
          rssMiB: Math.max(...rss) / MiB,
          heapMiB: Math.max(...stats.samples.map((s) => s.heapUsedBytes)) / MiB,
          rssGrowthMiB: (Math.max(...rss) - rss[0]!) / MiB,
          ok: ok.length,
          shed: load.answers.filter((a) => a.status === 503).length,
          unanswered: load.unanswered,
          maxQueued: stats.maxQueued,
        };
        runs[name]!.push(run);
        return run;
      } finally {
        await lab.close();
      }
    };
    // The runs themselves, interleaved by compareRounds; the other two comparisons read the same runs.
    const p99 = await compareRounds({
      id: 'p99',
      title: `p99 latency of accepted requests (ms) at ${OVERLOAD}x capacity for ${DURATION_MS / 1000} s: variant ÷ POC`,
      variants: Object.fromEntries(Object.keys(VARIANTS).map((n) => [n, async () => (await runOnce(n)).p99])),
      baseline: 'POC',
      rounds: ROUNDS,
      unit: 'ms',
    });
    const replay = (pick: (r: Run) => number) =>
      Object.fromEntries(
        Object.keys(VARIANTS).map((n) => {
          let i = 0;
          return [n, () => pick(runs[n]![i++]!)];
        }),
      );
    const rss = await compareRounds({
      id: 'rss',
      title: 'Peak RSS of the service process (MiB) over the run: variant ÷ POC',
      variants: replay((r) => r.rssMiB),
      baseline: 'POC',
      rounds: ROUNDS,
      unit: 'MiB',
    });
    const heap = await compareRounds({
      id: 'heap',
      title: 'Peak V8 heap used by the service process (MiB) over the run: variant ÷ POC',
      variants: replay((r) => r.heapMiB),
      baseline: 'POC',
      rounds: ROUNDS,
      unit: 'MiB',
    });
    report.add(p99);
    report.add(rss);
    report.add(heap);
    for (const [name, list] of Object.entries(runs)) {
      const id = name.toLowerCase();
      const median = (pick: (r: Run) => number): number => {
        const v = list.map(pick).sort((a, b) => a - b);
        return v[Math.floor(v.length / 2)]!;
      };
      report.add({
        id: `max-queued-${id}`,
        title: `Longest queue, ${name} (median of runs)`,
        value: median((r) => r.maxQueued),
      });
      report.add({
        id: `shed-${id}`,
        title: `Requests shed with 503 per run, ${name} (median)`,
        value: median((r) => r.shed),
      });
      report.add({
        id: `accepted-${id}`,
        title: `Requests answered 200 per run, ${name} (median)`,
        value: median((r) => r.ok),
      });
      report.add({
        id: `unanswered-${id}`,
        title: `Requests still waiting ${GRACE_MS} ms after arrivals stopped, ${name} (median)`,
        value: median((r) => r.unanswered),
      });
      report.add({
        id: `rss-growth-${id}`,
        title: `RSS growth over the run, ${name} (median)`,
        value: round1(median((r) => r.rssGrowthMiB)),
        unit: 'MiB',
      });
    }
    await report.finish(
      `POC's own claim, at 2x measured capacity (open loop): the unbounded queue's p99 of accepted requests is {ratio:p99/unbounded} the POC's and p-queue's {ratio:p99/p-queue}; peak heap unbounded ÷ POC = {ratio:heap/unbounded}; longest queue {fact:max-queued-unbounded} unbounded vs {fact:max-queued-poc} POC, with {fact:shed-poc} shed per run.`,
    );
  } finally {
    await db.close();
  }
});
