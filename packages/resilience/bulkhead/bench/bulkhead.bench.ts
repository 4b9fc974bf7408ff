// pnpm --filter poc-resilience-bulkhead bench: the POC's own claim, measured side by side in one process.
//  1. fast-burst: one Node process, one http.Agent capped at SOCKETS sockets shared by a slow dependency
//     (toxiproxy adds SLOW_LATENCY_MS to its link) and a fast one. Each sample sends SLOW_CALLS slow calls
//     at once, waits until they hold the sockets (or the slow bulkhead's slots), then FAST_CALLS fast calls
//     at once, and times the fast burst until every fast call has answered. Variants: no bulkhead, and one
//     bulkhead per dependency (slow: SLOW_LIMIT running + SLOW_QUEUE queued, the rest refused). A fresh
//     agent per sample, so no variant inherits sockets. The latency of every fast call is kept: p99 facts.
//  2. overhead: the bulkhead alone around a no-I/O operation (one event-loop turn), OVERHEAD_CLIENTS
//     callers, limit OVERHEAD_LIMIT, a queue long enough never to refuse: POC vs p-limit, p-queue, cockatiel.
// Writes bench/results.json (never edit it by hand).
import { fileURLToPath } from 'node:url';
import {
  benchReport,
  compareLoad,
  compareRounds,
  eventually,
  latencySummary,
  proxyTo,
  spawnTsWorker,
} from '@poc/harness';
import { execute, runMain, type Operation } from '@poc/kit';
import { bulkhead as cockatielBulkhead } from 'cockatiel';
import pLimit from 'p-limit';
import PQueue from 'p-queue';
import { bulkhead, type Bulkhead, type BulkheadOptions } from '../src/index.ts';
import { dependency, sharedAgent } from '../src/lab/client.ts';
import { unbounded } from '../src/naive.ts';

const SOCKETS = 16;
const SLOW_LATENCY_MS = 200;
const SLOW_CALLS = 64;
const SLOW_LIMIT = 8;
const SLOW_QUEUE = 8;
const FAST_CALLS = 32;
const FAST_LIMIT = 8;
const OVERHEAD_CLIENTS = 64;
const OVERHEAD_LIMIT = 16;
const OVERHEAD_DURATION_MS = 1_000;
const ROUNDS = 10;

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

runMain(async () => {
  const report = benchReport({
    parameters: {
      sockets: SOCKETS,
      slowLatencyMs: SLOW_LATENCY_MS,
      slowCalls: SLOW_CALLS,
      slowLimit: SLOW_LIMIT,
      slowQueue: SLOW_QUEUE,
      fastCalls: FAST_CALLS,
      fastLimit: FAST_LIMIT,
      overheadClients: OVERHEAD_CLIENTS,
      overheadLimit: OVERHEAD_LIMIT,
      overheadDurationMs: OVERHEAD_DURATION_MS,
      rounds: ROUNDS,
    },
    services: ['toxiproxy'],
  });
  const service = spawnTsWorker(fileURLToPath(new URL('../src/lab/service.ts', import.meta.url)));
  const direct = (await service.waitForLine(/^listening /)).slice('listening '.length);
  const fastLink = await proxyTo(direct, { name: 'bench_fast' });
  const slowLink = await proxyTo(direct, { name: 'bench_slow' });
  await slowLink.addLatency(SLOW_LATENCY_MS);
  try {
    const latencies: Record<string, number[]> = { bulkhead: [], 'no-bulkhead': [] };
    /** One sample: the slow burst takes the sockets, then the fast burst is timed to its last answer. */
    const sample = (variant: string, make: (o: BulkheadOptions) => Bulkhead) => async () => {
      const agent = sharedAgent(SOCKETS);
      const slowPolicy = make({ name: 'slow', limit: SLOW_LIMIT, queue: SLOW_QUEUE });
      const slow = slowPolicy(dependency(slowLink.listen, 'slow', agent));
      const fast = make({ name: 'fast', limit: FAST_LIMIT, queue: FAST_CALLS })(
        dependency(fastLink.listen, 'fast', agent),
      );
      const slowCalls = Array.from({ length: SLOW_CALLS }, () => execute(slow).catch(() => undefined));
      const busy = Math.min(SOCKETS, slowPolicy.stats().active);
      await eventually(() => Object.values(agent.sockets).reduce((n, l) => n + (l?.length ?? 0), 0) === busy, {
        what: 'slow calls on their sockets',
      });
      const started = performance.now();
      await Promise.all(
        Array.from({ length: FAST_CALLS }, async () => {
          const t = performance.now();
          await execute(fast);
          latencies[variant]!.push(performance.now() - t);
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      await Promise.all(slowCalls);
      agent.destroy();
      return { ops: FAST_CALLS, seconds };
    };
    const fastBurst = await compareRounds({
      id: 'fast-burst',
      title: `${FAST_CALLS} fast calls sent while ${SLOW_CALLS} slow calls (+${SLOW_LATENCY_MS} ms by toxiproxy) hold ${SOCKETS} shared sockets: fast calls answered per second`,
      variants: { bulkhead: sample('bulkhead', bulkhead), 'no-bulkhead': sample('no-bulkhead', unbounded) },
      baseline: 'bulkhead',
      rounds: ROUNDS,
      kind: 'load',
      concurrency: FAST_CALLS,
      unit: 'fast calls/s',
    });
    report.add(fastBurst);
    const p99 = (variant: string): number => latencySummary(latencies[variant]!).p99;
    report.add({
      id: 'p99-without',
      title: 'fast-call p99 without bulkheads',
      value: Number(p99('no-bulkhead').toFixed(1)),
      unit: 'ms',
    });
    report.add({
      id: 'p99-with',
      title: 'fast-call p99 with a bulkhead per dependency',
      value: Number(p99('bulkhead').toFixed(1)),
      unit: 'ms',
    });
    report.add({
      id: 'p99-ratio',
      title: 'fast-call p99 without ÷ with bulkheads',
      value: Number((p99('no-bulkhead') / p99('bulkhead')).toFixed(1)),
      unit: 'x',
    });

    // Overhead: the same no-I/O operation behind each limiter, configured as its docs show.
    const op: Operation<void> = () => turn();
    const poc = bulkhead({ limit: OVERHEAD_LIMIT, queue: OVERHEAD_CLIENTS })(op);
    const limit = pLimit(OVERHEAD_LIMIT);
    const queue = new PQueue({ concurrency: OVERHEAD_LIMIT });
    const cockatiel = cockatielBulkhead(OVERHEAD_LIMIT, OVERHEAD_CLIENTS);
    const overhead = await compareLoad({
      id: 'overhead',
      title: `limiter alone around one event-loop turn, ${OVERHEAD_CLIENTS} callers, limit ${OVERHEAD_LIMIT}`,
      variants: {
        poc: () => execute(poc),
        'p-limit': () => limit(turn),
        'p-queue': () => queue.add(turn),
        cockatiel: () => cockatiel.execute(turn),
      },
      baseline: 'poc',
      concurrency: OVERHEAD_CLIENTS,
      durationMs: OVERHEAD_DURATION_MS,
      rounds: ROUNDS,
    });
    report.add(overhead);
    await report.finish(
      'Own claim: while a slow dependency holds the shared sockets, a bulkhead per dependency keeps the fast path fast: fast-call p99 {fact:p99-without} without vs {fact:p99-with} with ({fact:p99-ratio}); fast calls answered per second, without ÷ with = {ratio:fast-burst/no-bulkhead}. Overhead alone, peer ÷ POC ops/s: p-limit {ratio:overhead/p-limit}, p-queue {ratio:overhead/p-queue}, cockatiel {ratio:overhead/cockatiel}.',
    );
  } finally {
    await Promise.allSettled([fastLink.close(), slowLink.close()]);
    await service.kill();
  }
});
