// pnpm --filter poc-resilience-timeouts bench: the POC's own claim, measured side by side in one process.
//  1. overload: CLIENTS callers, each giving A CALLER_TIMEOUT_MS per request, against the chain A → B → C
//     → PostgreSQL (C's pool: POOL_MAX connections; toxiproxy adds DB_LATENCY_MS to C's link to
//     PostgreSQL). Every SLOW_EVERY-th request runs SELECT pg_sleep(SLOW_QUERY_S), the others
//     pg_sleep(QUERY_S): a slow query class that outlives its callers and holds the pool. Two chains of three processes each: without deadlines
//     (hops wait as long as they like, queries run to the end), with deadlines (budget header, per-hop
//     reserve RESERVE_MS, pgQuery cancels). Ops/s counts answers the caller got in time; timeouts are
//     failures. Before each variant's run, both chains are idle (no work left over from the other side).
//     Facts: query time PostgreSQL spent after the caller had given up, and queries completed for nobody.
//  2. policy overhead: timeout() around an operation that resolves at once: POC vs cockatiel's
//     TimeoutPolicy (cooperative and aggressive) and the naive race.
// Writes bench/results.json (never edit it by hand).
import { randomUUID } from 'node:crypto';
import {
  benchReport,
  compareLoad,
  compareThroughput,
  eventually,
  postgresDatabase,
  postgresDurability,
  proxyTo,
} from '@poc/harness';
import { execute, runMain } from '@poc/kit';
import { TimeoutStrategy, timeout as cockatielTimeout } from 'cockatiel';
import { Deadline, deadlineHeader, timeout } from '../src/index.ts';
import { naiveTimeout } from '../src/naive.ts';
import { startChain, type Chain } from '../src/lab/chain.ts';

const CLIENTS = 8;
const CALLER_TIMEOUT_MS = 300;
const QUERY_S = 0.05;
const SLOW_QUERY_S = 1;
const SLOW_EVERY = 5;
const DB_LATENCY_MS = 20;
const POOL_MAX = 4;
const RESERVE_MS = 20;
const DURATION_MS = 3_000;
const ROUNDS = 5;

runMain(async () => {
  const db = await postgresDatabase();
  const url = new URL(db.url);
  const link = await proxyTo(`${url.hostname}:${url.port}`, { name: 'timeouts_bench_pg' });
  await link.addLatency(DB_LATENCY_MS);
  url.host = link.listen;
  const report = benchReport({
    parameters: {
      clients: CLIENTS,
      callerTimeoutMs: CALLER_TIMEOUT_MS,
      queryS: QUERY_S,
      slowQueryS: SLOW_QUERY_S,
      slowEvery: SLOW_EVERY,
      dbLatencyMs: DB_LATENCY_MS,
      poolMax: POOL_MAX,
      reserveMs: RESERVE_MS,
      durationMs: DURATION_MS,
      rounds: ROUNDS,
      postgres: await postgresDurability(db.pool()),
    },
    services: ['postgres', 'toxiproxy'],
  });
  const chains: Record<string, Chain> = {};
  try {
    chains['no-deadlines'] = await startChain({ mode: 'none', dbUrl: url.toString(), poolMax: POOL_MAX });
    chains.deadlines = await startChain({
      mode: 'deadlines',
      dbUrl: url.toString(),
      poolMax: POOL_MAX,
      reserveMs: RESERVE_MS,
    });
    const gaveUp: Record<string, Map<string, number>> = { 'no-deadlines': new Map(), deadlines: new Map() };
    const call = (variant: 'no-deadlines' | 'deadlines') => {
      const chain = chains[variant]!;
      const policy =
        variant === 'deadlines' ? timeout({ ms: CALLER_TIMEOUT_MS }) : naiveTimeout({ ms: CALLER_TIMEOUT_MS });
      let n = 0;
      return async () => {
        const id = randomUUID();
        const sleep = n++ % SLOW_EVERY === 0 ? SLOW_QUERY_S : QUERY_S;
        const op = async (signal: AbortSignal) => {
          const headers = variant === 'deadlines' ? deadlineHeader(Deadline.after(CALLER_TIMEOUT_MS)) : {};
          const res = await fetch(`${chain.entry}/work?sleep=${sleep}`, {
            signal,
            headers: { ...headers, 'x-request-id': id },
          });
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
          return res.text();
        };
        try {
          return await execute(policy(op));
        } catch (e) {
          gaveUp[variant]!.set(id, Date.now()); // its own timeout, or a 504 from A: either way it has given up
          throw e;
        }
      };
    };
    const idle = async (): Promise<void> => {
      for (const chain of Object.values(chains))
        await eventually(
          async () => {
            const s = await chain.stats();
            return s.a.running + s.b.running + s.c.running === 0;
          },
          { what: 'the chain idle', timeoutMs: 60_000 },
        );
    };
    const overload = await compareLoad({
      id: 'overload',
      title: `${CLIENTS} callers, ${CALLER_TIMEOUT_MS} ms each, through A → B → C → PostgreSQL (pool ${POOL_MAX}; pg_sleep(${QUERY_S}), every ${SLOW_EVERY}th pg_sleep(${SLOW_QUERY_S}); + ${DB_LATENCY_MS} ms toxiproxy latency): answers in time per second`,
      variants: { deadlines: call('deadlines'), 'no-deadlines': call('no-deadlines') },
      baseline: 'deadlines',
      concurrency: CLIENTS,
      durationMs: DURATION_MS,
      rounds: ROUNDS,
      beforeEach: idle,
    });
    await idle();
    report.add(overload);
    for (const variant of ['no-deadlines', 'deadlines'] as const) {
      const { c } = await chains[variant]!.stats();
      let wastedMs = 0;
      let completedForNobody = 0;
      for (const entry of c.log) {
        const at = gaveUp[variant]!.get(entry.id);
        if (at === undefined || entry.endedAt <= at) continue;
        wastedMs += entry.endedAt - at;
        if (entry.outcome === 'completed') completedForNobody++;
      }
      const perHundred = (n: number): number => Number(((100 * n) / Math.max(1, gaveUp[variant]!.size)).toFixed(1));
      report.add({
        id: `wasted-${variant}`,
        title: `${variant}: PostgreSQL query time after the caller gave up, per 100 abandoned requests`,
        value: perHundred(wastedMs / 1000),
        unit: 's',
      });
      report.add({
        id: `completed-for-nobody-${variant}`,
        title: `${variant}: queries completed after their caller gave up, per 100 abandoned requests`,
        value: perHundred(completedForNobody),
        unit: 'queries',
      });
    }

    const resolved = (): Promise<number> => Promise.resolve(1);
    const poc = timeout({ ms: 1_000 })(resolved);
    const naive = naiveTimeout({ ms: 1_000 })(resolved);
    const cooperative = cockatielTimeout(1_000, TimeoutStrategy.Cooperative);
    const aggressive = cockatielTimeout(1_000, TimeoutStrategy.Aggressive);
    const overhead = await compareThroughput({
      id: 'policy-overhead',
      title: 'timeout policy alone around an operation that resolves at once (1 s limit)',
      variants: {
        poc: () => execute(poc),
        'cockatiel-cooperative': () => cooperative.execute(resolved),
        'cockatiel-aggressive': () => aggressive.execute(resolved),
        'naive-race': () => execute(naive),
      },
      baseline: 'poc',
      rounds: ROUNDS,
    });
    report.add(overhead);
    await report.finish(
      'Own claim: under overload with a slow database, deadlines turn abandoned work into cancelled work: answers in time, no deadlines ÷ deadlines = {ratio:overload/no-deadlines}; PostgreSQL time spent after the caller gave up, per 100 abandoned requests: {fact:wasted-no-deadlines} without vs {fact:wasted-deadlines} with. Policy overhead, peer ÷ POC ops/s: cockatiel cooperative {ratio:policy-overhead/cockatiel-cooperative}, aggressive {ratio:policy-overhead/cockatiel-aggressive}.',
    );
  } finally {
    await Promise.allSettled(Object.values(chains).map((c) => c.close()));
    await link.close();
    await db.close();
  }
});
