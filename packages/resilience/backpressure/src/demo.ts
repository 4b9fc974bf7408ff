// pnpm --filter poc-resilience-backpressure demo: the lab service (fastify in its own process, one
// PostgreSQL query of fixed cost per request) measured for capacity, then hit at 2x that by an open-loop
// generator for a few seconds: the bounded variant (this POC) and the unbounded one (the naive variant).
import { postgresDatabase, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import { LAB_DEFAULTS, startLab } from './lab/lab.ts';
import { measureCapacity, openLoop } from './lab/load.ts';
import type { Variant } from './lab/service.ts';

const say = (line = ''): void => console.log(line);
const DURATION_MS = 3_000;

const p99 = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? 0;
};

runMain(async () => {
  const pg = await serverFor('postgres');
  const db = await postgresDatabase({ name: 'demo' }); // a database of its own, removed at the end
  try {
    say(`Backpressure demo: ${pg.service} ${pg.version} (${pg.provider})`);
    const { concurrency, queue, maxQueueWaitMs, workMs } = LAB_DEFAULTS;
    say(`service: ${concurrency} slots, each request = SELECT pg_sleep(${workMs / 1000})`);
    const probe = await startLab('bounded', db.url);
    const capacity = await measureCapacity(`${probe.url}/work`, concurrency + queue, 1_500);
    await probe.close();
    say(
      `measured capacity: ${capacity.toFixed(0)} req/s; open loop at 2x = ${(2 * capacity).toFixed(0)} req/s for ${DURATION_MS / 1000} s`,
    );
    for (const variant of ['bounded', 'unbounded'] as Variant[]) {
      const lab = await startLab(variant, db.url);
      try {
        await lab.resetSamples();
        const load = await openLoop({
          url: `${lab.url}/work`,
          ratePerSec: 2 * capacity,
          durationMs: DURATION_MS,
          graceMs: 2_000,
        });
        const stats = await lab.stats();
        const ok = load.answers.filter((a) => a.status === 200);
        const shed = load.answers.filter((a) => a.status === 503);
        const rss = stats.samples.map((s) => s.rssBytes / 2 ** 20);
        say();
        say(
          variant === 'bounded'
            ? `bounded (admission: concurrency ${concurrency}, queue ${queue}, maxQueueWaitMs ${maxQueueWaitMs}):`
            : `unbounded (naive: concurrency ${concurrency}, queue without bound):`,
        );
        say(
          `  sent ${load.sent}: ${ok.length} answered 200, ${shed.length} shed with 503, ${load.unanswered} still waiting after the 2 s grace`,
        );
        if (shed.length > 0)
          say(`  Retry-After on the 503s: ${[...new Set(shed.map((a) => a.retryAfter))].join(', ')} s`);
        say(
          `  longest queue: ${stats.maxQueued}; queue at 1, 2, 3 s: ${[1, 2, 3].map((s) => stats.samples.find((x) => x.at >= s * 1000 - 100)?.queued ?? '-').join(', ')}`,
        );
        say(
          `  p99 of answered requests: ${p99(ok.map((a) => a.latencyMs)).toFixed(0)} ms; RSS ${Math.min(...rss).toFixed(0)} -> ${Math.max(...rss).toFixed(0)} MiB`,
        );
      } finally {
        await lab.close();
      }
    }
    say();
    say('done');
  } finally {
    await db.close();
  }
});
