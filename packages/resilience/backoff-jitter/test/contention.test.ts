// Against a real PostgreSQL: a critical section guarded by pg_try_advisory_xact_lock (src/lab/), which
// every client must enter once, retrying while it is held. Counts only (calls that reached the server,
// work recorded by the server), never durations.
import { postgresDatabase, eventually, type PostgresDatabase } from '@poc/harness';
import type { Policy } from '@poc/kit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBackoffJitterError, retry } from '../src/index.ts';
import { criticalSection, type CriticalSection } from '../src/lab/critical-section.ts';
import { naiveRetry } from '../src/naive.ts';

const CLIENTS = 30;
const HOLD_MS = 20;

let db: PostgresDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'backoff_jitter' }); // a database of its own
  pool = new pg.Pool({ connectionString: db.url, max: CLIENTS + 2 });
  pool.on('error', () => {}); // idle connections ended by the database's removal at the end
});
afterAll(async () => {
  await pool?.end();
  await db?.close();
});

/** Every client enters once through `policy`; returns the calls that reached the server. */
async function crowd(section: CriticalSection, policy: Policy): Promise<{ calls: number; failed: number }> {
  await section.reset();
  const outcomes = await Promise.allSettled(
    Array.from({ length: CLIENTS }, (_, i) => policy(section.attempt(`client-${i}`))(new AbortController().signal)),
  );
  return { calls: section.calls(), failed: outcomes.filter((o) => o.status === 'rejected').length };
}

const busyOnly = (e: unknown): boolean => isBackoffJitterError(e, 'busy');

describe('retrying into a contended lock', () => {
  it('every client enters exactly once, and the retries are the calls beyond one per client', async () => {
    const section = await criticalSection(pool, { name: 'once', holdMs: HOLD_MS });
    const { calls, failed } = await crowd(
      section,
      retry({ attempts: 200, backoff: { kind: 'full', baseMs: 20, capMs: 400 }, shouldRetry: busyOnly }),
    );
    expect(failed).toBe(0);
    const done = await section.done();
    expect(new Set(done).size).toBe(CLIENTS);
    expect(done).toHaveLength(CLIENTS);
    expect(calls).toBeGreaterThan(CLIENTS); // 30 at once on one lock: most had to retry
  });

  it('break it: a fixed-delay retry loop makes the crowd hammer the lock; full jitter enters with fewer calls', async () => {
    // The fixed delay equals the hold time, so every waiting client comes back once per entry. The
    // safe side only: counts, no durations. (No jitter vs full jitter, where a loaded machine's own
    // scheduling noise blurs the difference, is shown exactly in simulation.test.ts and measured in the bench.)
    const section = await criticalSection(pool, { name: 'crowd', holdMs: HOLD_MS });
    const naive = await crowd(section, naiveRetry({ attempts: 10_000, delayMs: HOLD_MS }));
    const full = await crowd(
      section,
      retry({ attempts: 1_000, backoff: { kind: 'full', baseMs: HOLD_MS, capMs: 400 }, shouldRetry: busyOnly }),
    );
    expect([naive.failed, full.failed]).toEqual([0, 0]);
    expect(await section.done()).toHaveLength(CLIENTS);
    expect(naive.calls).toBeGreaterThan(full.calls);
  });

  it('a caller that aborts during a back-off stops calling the server', async () => {
    const section = await criticalSection(pool, { name: 'abort', holdMs: 0 });
    await section.reset();
    const holder = await pool.connect(); // holds the lock in an open transaction until released
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1)', [section.lockKey]);
      const controller = new AbortController();
      const policy = retry({ attempts: 1_000, backoff: { kind: 'full', baseMs: 5, capMs: 50 }, shouldRetry: busyOnly });
      const running = policy(section.attempt('patient'))(controller.signal);
      await eventually(() => expect(section.calls()).toBeGreaterThanOrEqual(3), { what: 'three busy calls' });
      const reason = new Error('deadline');
      controller.abort(reason);
      await expect(running).rejects.toBe(reason);
      const after = section.calls();
      await holder.query('COMMIT'); // the lock is free now: a retry still running would enter
      await pool.query('SELECT pg_sleep(0.2)'); // a server-side wait longer than the 50 ms cap, so a stray retry would land
      expect(section.calls()).toBe(after);
      expect(await section.done()).toEqual([]);
    } finally {
      await holder.query('ROLLBACK').catch(() => {});
      holder.release();
    }
  });
});
