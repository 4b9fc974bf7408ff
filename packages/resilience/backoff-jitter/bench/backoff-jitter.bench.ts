// pnpm --filter poc-resilience-backoff-jitter bench: 100 clients each enter one critical section guarded by
// a PostgreSQL advisory lock (src/lab/), retrying while it is held. Per strategy, in the same rounds:
// the time until all are in, and the calls that reached the server. POC strategies beside a naive fixed
// delay, p-retry (randomize) and exponential-backoff (full jitter), all with the same base, cap and limit.
// Writes bench/results.json (never edit it by hand).
import { benchReport, compareRounds, postgresDurability, postgresDatabase } from '@poc/harness';
import { runMain } from '@poc/kit';
import { backOff } from 'exponential-backoff';
import pRetry from 'p-retry';
import pg from 'pg';
import { isBackoffJitterError, retry, type BackoffKind } from '../src/index.ts';
import { criticalSection } from '../src/lab/critical-section.ts';
import { runCrowd, type Contender, type CrowdResult } from '../src/lab/crowd.ts';
import { naiveRetry } from '../src/naive.ts';

const CLIENTS = 100;
const HOLD_MS = 5;
const BASE_MS = 5;
const CAP_MS = 500;
const ATTEMPTS = 1_000; // high enough that nobody gives up: the cost is counted in calls
const ROUNDS = 4;

const busy = (e: unknown): boolean => isBackoffJitterError(e, 'busy');
const poc = (kind: BackoffKind): Contender => {
  const policy = retry({ attempts: ATTEMPTS, backoff: { kind, baseMs: BASE_MS, capMs: CAP_MS }, shouldRetry: busy });
  return (attempt, signal) => policy(attempt)(signal);
};

const contenders: Record<string, Contender> = {
  'no-jitter': poc('exponential'),
  full: poc('full'),
  equal: poc('equal'),
  decorrelated: poc('decorrelated'),
  'naive-fixed': (attempt, signal) => naiveRetry({ attempts: ATTEMPTS, delayMs: BASE_MS })(attempt)(signal),
  // p-retry's jitter: randomize multiplies the step by [1, 2) before the cap, as its README describes.
  'p-retry': (attempt, signal) =>
    pRetry(() => attempt(signal), {
      retries: ATTEMPTS - 1,
      factor: 2,
      minTimeout: BASE_MS,
      maxTimeout: CAP_MS,
      randomize: true,
      signal,
      shouldRetry: ({ error }) => busy(error),
    }),
  // exponential-backoff's jitter: 'full' (random in [0, step]); it takes no AbortSignal.
  'exponential-backoff': (attempt, signal) =>
    backOff(() => attempt(signal), {
      numOfAttempts: ATTEMPTS,
      startingDelay: BASE_MS,
      timeMultiple: 2,
      maxDelay: CAP_MS,
      jitter: 'full',
      retry: (e: unknown) => busy(e),
    }),
};

runMain(async () => {
  const db = await postgresDatabase({ name: 'backoff_jitter_bench' }); // a database of its own
  const pool = new pg.Pool({ connectionString: db.url, max: CLIENTS }); // one connection per client: no pool queue in the way
  try {
    const report = benchReport({
      parameters: {
        clients: CLIENTS,
        holdMs: HOLD_MS,
        baseMs: BASE_MS,
        capMs: CAP_MS,
        attempts: ATTEMPTS,
        rounds: ROUNDS,
        poolMax: CLIENTS,
        resource: 'pg_try_advisory_xact_lock + pg_sleep(holdMs) + INSERT, one statement per attempt',
        durability: await postgresDurability(db.pool()),
      },
      services: ['postgres'],
    });
    const section = await criticalSection(pool, { name: 'bench_lock', holdMs: HOLD_MS });
    await runCrowd(section, 10, contenders.full!); // warm-up: connections opened, function planned

    // One crowd per variant per round; the second comparison reads the same runs (calls), so both
    // ratios come from identical rounds.
    const runs = new Map<string, CrowdResult[]>(Object.keys(contenders).map((n) => [n, []]));
    const variants = (pick: (r: CrowdResult) => { ops: number; seconds: number; errors: number }, fresh: boolean) =>
      Object.fromEntries(
        Object.keys(contenders).map((name) => {
          let next = 0;
          return [
            name,
            async () => {
              const list = runs.get(name)!;
              if (fresh) list.push(await runCrowd(section, CLIENTS, contenders[name]!));
              return pick(list[fresh ? list.length - 1 : next++]!);
            },
          ];
        }),
      );
    const completion = await compareRounds({
      id: 'completion',
      title: `${CLIENTS} clients into one advisory lock (held ${HOLD_MS} ms): clients in per second until the last is in`,
      variants: variants((r) => ({ ops: r.clients - r.failed, seconds: r.ms / 1000, errors: r.failed }), true),
      baseline: 'no-jitter',
      rounds: ROUNDS,
      kind: 'load',
      concurrency: CLIENTS,
      unit: 'clients/s',
    });
    report.add(completion);
    const calls = await compareRounds({
      id: 'calls',
      title: `The same runs: entries per 100 calls that reached the server (higher = fewer wasted calls)`,
      variants: variants((r) => ({ ops: 100 * (r.clients - r.failed), seconds: r.calls, errors: r.failed }), false),
      baseline: 'no-jitter',
      rounds: completion.rounds,
      kind: 'load',
      concurrency: CLIENTS,
      unit: 'entries per 100 calls',
    });
    report.add(calls);
    for (const [name, list] of runs) {
      const sorted = list.map((r) => r.calls).sort((a, b) => a - b);
      report.add({
        id: `calls-${name}`,
        title: `calls for ${CLIENTS} entries, ${name} (median of rounds)`,
        value: sorted[Math.floor(sorted.length / 2)]!,
        unit: 'calls',
      });
    }
    await report.finish(
      `POC's own claim, ${CLIENTS} clients on one PostgreSQL advisory lock: full jitter gets everyone in {ratio:completion/full} as fast as no jitter; entries per call, full jitter vs no jitter: {ratio:calls/full} (median calls: no jitter {fact:calls-no-jitter}, full jitter {fact:calls-full}). Peers vs no jitter, completion: p-retry's randomize (no jitter once capped) {ratio:completion/p-retry}, exponential-backoff's full jitter {ratio:completion/exponential-backoff}.`,
    );
  } finally {
    await pool.end();
    await db.close();
  }
});
