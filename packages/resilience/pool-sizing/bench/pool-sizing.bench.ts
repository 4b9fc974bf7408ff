// pnpm --filter poc-resilience-pool-sizing bench: throughput and p99 against pool size, under a fixed
// toxiproxy latency and a fixed OPEN-LOOP offered load (requests arrive on a schedule whether or not the
// pool keeps up, as they do from users), beside the size Little's law predicts from the measured service
// time. Writes bench/results.json (never by hand). Benches run one at a time: this one waits for any bench
// of the repo already running.
import {
  benchProfile,
  benchReport,
  compareRounds,
  latencySummary,
  postgresDatabase,
  postgresDurability,
  proxyTo,
} from '@poc/harness';
import { runMain } from '@poc/kit';
import pg from 'pg';
import { littleSize, poolMetrics, preciseClock } from '../src/index.ts';

const short = benchProfile() === 'short';
const LATENCY_MS = 20; // toxiproxy latency on every reply (downstream)
const SQL = 'SELECT pg_sleep(0.005)'; // 5 ms of server time per query
const OFFERED_PER_SEC = 240;
const DURATION_MS = short ? 300 : 1_500; // of arrivals per sample
const CHECKOUT_TIMEOUT_MS = 1_000; // pg's connectionTimeoutMillis: a caller queued longer fails
const HEADROOM = 0.2;
const LARGEST = 16;
const ROUNDS = 5;
const KNEE_THROUGHPUT = 0.97; // of the largest pool's
const KNEE_P99 = 1.5; // times the largest pool's

const now = (): number => preciseClock.now();

runMain(async () => {
  const db = await postgresDatabase({ name: 'pool_sizing_bench' });
  const proxy = await proxyTo(new URL(db.url).host, { name: 'pool_sizing_bench' });
  try {
    await proxy.addLatency(LATENCY_MS);
    const url = proxy.via(db.url);

    // W: the time a checkout holds its connection, measured on a warm pool with no queue.
    const probe = new pg.Pool({ connectionString: url, max: 1 });
    await probe.query('SELECT 1');
    const holds: number[] = [];
    for (let i = 0; i < (short ? 10 : 60); i++) {
      const client = await probe.connect();
      const t = now();
      await client.query(SQL);
      holds.push(now() - t);
      client.release();
    }
    await probe.end();
    const serviceTimeMs = holds.reduce((a, b) => a + b, 0) / holds.length;
    const predicted = littleSize({ arrivalRate: OFFERED_PER_SEC, serviceTimeMs, headroom: HEADROOM });
    const bare = littleSize({ arrivalRate: OFFERED_PER_SEC, serviceTimeMs });
    const sizes = [...new Set([2, 4, bare - 1, bare, predicted, predicted + 2, LARGEST])]
      .filter((s) => s >= 1 && s <= LARGEST)
      .sort((a, b) => a - b);

    const report = benchReport({
      parameters: {
        latencyMs: LATENCY_MS,
        query: SQL,
        offeredPerSec: OFFERED_PER_SEC,
        arrivals: 'open loop, evenly spaced',
        durationMs: DURATION_MS,
        checkoutTimeoutMs: CHECKOUT_TIMEOUT_MS,
        headroom: HEADROOM,
        sizes: sizes.join(', '),
        rounds: ROUNDS,
        knee: `smallest size with throughput >= ${KNEE_THROUGHPUT} x and p99 <= ${KNEE_P99} x the size-${LARGEST} pool's, no timeouts`,
        durability: await postgresDurability(db.pool()),
      },
      services: ['postgres', 'toxiproxy'],
    });

    const latencies = new Map<number, number[]>(sizes.map((s) => [s, []]));
    const timeouts = new Map<number, number>(sizes.map((s) => [s, 0]));
    /** One sample: a fresh, warm pool of `size`, offered OFFERED_PER_SEC for DURATION_MS; completions ÷ time to the last. */
    async function offer(size: number): Promise<{ ops: number; seconds: number; errors: number }> {
      const pool = new pg.Pool({ connectionString: url, max: size, connectionTimeoutMillis: CHECKOUT_TIMEOUT_MS });
      const metrics = poolMetrics(pool); // counts are read back below: the instrument runs on every side alike
      try {
        const warm = await Promise.all(Array.from({ length: size }, () => pool.connect()));
        warm.forEach((c) => c.release());
        const total = Math.round((OFFERED_PER_SEC * DURATION_MS) / 1000);
        const inFlight: Promise<void>[] = [];
        let ok = 0;
        let errors = 0;
        const start = now();
        for (let i = 0; i < total;) {
          while (i < total && now() - start >= (i * 1000) / OFFERED_PER_SEC) {
            i++;
            const t = now();
            inFlight.push(
              pool.query(SQL).then(
                () => {
                  ok++;
                  latencies.get(size)!.push(now() - t);
                },
                () => void errors++,
              ),
            );
          }
          await new Promise((r) => setTimeout(r, 1));
        }
        await Promise.all(inFlight);
        const seconds = (now() - start) / 1000;
        const s = metrics.snapshot();
        if (s.acquired !== ok + size || s.timedOut !== errors)
          throw new Error(`size ${size}: the metrics disagree with the count`);
        timeouts.set(size, timeouts.get(size)! + errors);
        return { ops: ok, seconds, errors };
      } finally {
        await pool.end();
      }
    }

    const comparison = await compareRounds({
      id: 'sizes',
      title: `Open-loop ${OFFERED_PER_SEC}/s through ${LATENCY_MS} ms of toxiproxy latency: completions/s by pool size (baseline: ${LARGEST})`,
      variants: Object.fromEntries(
        [LARGEST, ...sizes.filter((s) => s !== LARGEST)].map((s) => [`size-${s}`, () => offer(s)]),
      ),
      baseline: `size-${LARGEST}`,
      rounds: ROUNDS,
      kind: 'load',
      concurrency: LARGEST,
      unit: 'completions/s',
    });
    report.add(comparison);

    const p99 = (s: number): number => latencySummary(latencies.get(s)!).p99;
    const median = (s: number): number => comparison.variants.find((v) => v.name === `size-${s}`)!.opsPerSec.median;
    const knee = sizes.find(
      (s) =>
        timeouts.get(s) === 0 && median(s) >= KNEE_THROUGHPUT * median(LARGEST) && p99(s) <= KNEE_P99 * p99(LARGEST),
    );
    report.add({
      id: 'service-time-ms',
      title: 'W: mean hold time of one checkout (query + latency), no queue',
      value: Number(serviceTimeMs.toFixed(1)),
      unit: 'ms',
    });
    report.add({
      id: 'little-bare',
      title: `Little's law L = λW, rounded up (no headroom)`,
      value: bare,
      unit: 'connections',
    });
    report.add({
      id: 'little-size',
      title: `Little's law with ${HEADROOM * 100}% headroom`,
      value: predicted,
      unit: 'connections',
    });
    report.add({
      id: 'knee-size',
      title: 'Measured knee (smallest size meeting the knee rule; 0 = none)',
      value: knee ?? 0,
      unit: 'connections',
    });
    for (const s of sizes) {
      report.add({
        id: `p99-size-${s}`,
        title: `p99 (queue wait + query), pool of ${s}`,
        value: Number(p99(s).toFixed(1)),
        unit: 'ms',
      });
      report.add({
        id: `timeouts-size-${s}`,
        title: `checkout timeouts, pool of ${s}, all rounds`,
        value: timeouts.get(s)!,
        unit: 'calls',
      });
    }
    await report.finish(
      `POC's own measurement: Little's law predicts {fact:little-bare} ({fact:little-size} with headroom) for {param:offeredPerSec}/s at W = {fact:service-time-ms}; the measured knee is {fact:knee-size}. ` +
        `Throughput vs a pool of ${LARGEST}: size 2 = {ratio:sizes/size-2}, the predicted size = {ratio:sizes/size-${predicted}}; p99 {fact:p99-size-2} at 2, {fact:p99-size-${predicted}} at ${predicted}, {fact:p99-size-${LARGEST}} at ${LARGEST}.`,
    );
  } finally {
    await proxy.close();
    await db.close();
  }
});
