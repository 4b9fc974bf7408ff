// At 2x overload against the real service (./src/lab: fastify in its own process, each request one
// PostgreSQL query of fixed cost), driven by an open-loop generator for a bounded time. Counts only: what
// was shed, with which header, how long the queue got (the variant's own high-water mark and the samples
// the service took every 50 ms), and whether accepted requests completed. No timing thresholds: the load
// is set from the capacity measured first, and every assertion is about counts and their order.
import { postgresDatabase, type PostgresDatabase } from '@poc/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_DEFAULTS, startLab, type Lab } from '../src/lab/lab.ts';
import { measureCapacity, openLoop } from '../src/lab/load.ts';
import type { Sample, Variant } from '../src/lab/service.ts';

const OVERLOAD = 2;
const DURATION_MS = 3_000;
const GRACE_MS = 2_000; // bounded variants: long enough for every accepted request to finish
const SHORT_GRACE_MS = 1_000; // unbounded ones: less than the ~3 s of backlog a 3 s run at 2x leaves

let db: PostgresDatabase;
let capacity = 0;
const labs: Lab[] = [];
beforeAll(async () => {
  db = await postgresDatabase({ name: 'backpressure' }); // the service's queries run here; no tables
  const lab = await start('bounded');
  // Capacity, measured: closed-loop callers as many as the service runs plus queues (nothing is shed).
  capacity = await measureCapacity(`${lab.url}/work`, LAB_DEFAULTS.concurrency + LAB_DEFAULTS.queue, 1_500);
});
afterAll(async () => {
  await Promise.all(labs.map((l) => l.close()));
  await db?.close();
});

async function start(variant: Variant): Promise<Lab> {
  const lab = await startLab(variant, db.url);
  labs.push(lab);
  return lab;
}

/** Mean queue length in the first and last third of the samples taken during the load. */
function thirds(samples: Sample[]): { first: number; last: number } {
  const n = Math.floor(samples.length / 3);
  const mean = (s: Sample[]): number => s.reduce((a, b) => a + b.queued, 0) / s.length;
  return { first: mean(samples.slice(0, n)), last: mean(samples.slice(-n)) };
}

async function overload(variant: Variant, graceMs = GRACE_MS) {
  const lab = await start(variant);
  await lab.resetSamples();
  const load = await openLoop({
    url: `${lab.url}/work`,
    ratePerSec: OVERLOAD * capacity,
    durationMs: DURATION_MS,
    graceMs,
  });
  const stats = await lab.stats();
  const inLoad = stats.samples.filter((s) => s.at <= stats.samples[0]!.at + DURATION_MS);
  return { load, stats, inLoad, lab };
}

describe('2x overload, open loop, bounded in time', () => {
  it('the capacity was measured (the load is twice that)', () => {
    expect(capacity).toBeGreaterThan(0);
  });

  it.each(['bounded', 'p-queue'] as const)(
    '%s: sheds with 503 + Retry-After, its queue never passes its bound, every accepted request completes',
    async (variant) => {
      const { load, stats, inLoad } = await overload(variant);
      const ok = load.answers.filter((a) => a.status === 200);
      const shed = load.answers.filter((a) => a.status === 503);
      expect(shed.length).toBeGreaterThan(0);
      expect(shed.filter((a) => !/^[1-9]\d*$/.test(a.retryAfter ?? ''))).toEqual([]);
      expect(load.answers.length + load.unanswered + load.failed).toBe(load.sent);
      expect(load.answers.filter((a) => a.status !== 200 && a.status !== 503)).toEqual([]);
      expect({ unanswered: load.unanswered, failed: load.failed }).toEqual({ unanswered: 0, failed: 0 });
      expect(ok.length).toBe(stats.completed); // accepted = completed by the service
      expect(shed.length).toBe(stats.shed);
      expect(stats.maxQueued).toBeLessThanOrEqual(LAB_DEFAULTS.queue);
      expect(Math.max(...inLoad.map((s) => s.queued))).toBeLessThanOrEqual(LAB_DEFAULTS.queue);
      expect(stats).toMatchObject({ queued: 0, running: 0 });
      if (variant === 'bounded') {
        const a = stats.admission!;
        expect(a.shedQueueFull + a.shedQueueTimeout).toBe(shed.length);
        expect(a.admitted).toBe(ok.length);
      }
    },
  );

  it.each(['unbounded', 'p-limit'] as const)(
    'break it, %s: nothing is shed, the backlog grows over the run and passes any bound',
    async (variant) => {
      const { load, stats, inLoad } = await overload(variant, SHORT_GRACE_MS);
      expect(load.answers.filter((a) => a.status !== 200)).toEqual([]); // never a 503: nobody is told to back off
      const { first, last } = thirds(inLoad);
      expect(last).toBeGreaterThan(first);
      expect(stats.maxQueued).toBeGreaterThan(LAB_DEFAULTS.queue * 4);
      // The backlog is still there when arrivals stop: requests left waiting past the grace period (aborted then).
      expect(load.unanswered).toBeGreaterThan(0);
    },
  );
});
