// The detector as logic on a ManualClock (a checkout's age decides, exactly at maxCheckoutMs), on a real
// pool: real checkouts and releases against PostgreSQL, time moved by hand.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { postgresDatabase, type PostgresDatabase } from '@poc/harness';
import { ManualClock } from '@poc/kit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { leakDetector, type LeakReport } from '../src/index.ts';
import { leakyHandler } from '../src/lab/handlers.ts';
import { endAfterTest } from './reclaim.ts';

let db: PostgresDatabase;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'leak_detector' });
});
afterAll(() => db?.close());

function watchedPool(options: { maxCheckoutMs: number; checkEveryMs?: number; captureStack?: boolean }) {
  const pool = new pg.Pool({ connectionString: db.url, max: 3 });
  const clock = new ManualClock();
  const leaks: LeakReport[] = [];
  const detector = leakDetector(pool, { ...options, clock, onLeak: (r) => leaks.push(r) });
  endAfterTest(pool);
  onTestFinished(() => detector.detach());
  return { pool, clock, leaks, detector };
}

/** The line of leakyHandler's checkout, read from its source (not restated here). */
function leakyCheckoutLine(): { file: string; line: number } {
  const file = fileURLToPath(new URL('../src/lab/handlers.ts', import.meta.url));
  const lines = readFileSync(file, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.includes('function leakyHandler'));
  const offset = lines.slice(start).findIndex((l) => l.includes('pool.connect()'));
  return { file, line: start + offset + 1 };
}

describe('leakDetector: checkout age on a ManualClock', () => {
  const cases: Array<[string, number, number, number]> = [
    // [what, maxCheckoutMs, held for (ms), reports]
    ['held 1 ms less than maxCheckoutMs: not a leak', 1_000, 999, 0],
    ['held exactly maxCheckoutMs: reported', 1_000, 1_000, 1],
    ['held far longer: reported once, not at every scan', 1_000, 10_000, 1],
  ];
  it.each(cases)('%s', async (_what, maxCheckoutMs, heldMs, reports) => {
    const { pool, clock, leaks } = watchedPool({ maxCheckoutMs, checkEveryMs: 1 });
    const client = await pool.connect();
    await clock.advance(heldMs);
    expect(leaks).toHaveLength(reports);
    if (reports) expect(leaks[0]!.ageMs).toBe(maxCheckoutMs); // found at the first scan past the limit
    client.release();
  });

  it('forgets a released checkout, and reports only what is still out', async () => {
    const { pool, clock, leaks, detector } = watchedPool({ maxCheckoutMs: 1_000 });
    const a = await pool.connect();
    const b = await pool.connect();
    await pool.query('SELECT 1'); // pool.query checks out and releases through the same connect
    expect(detector.checkedOut().map((r) => r.id)).toEqual([1, 2]);
    a.release();
    await clock.advance(1_000);
    expect(leaks.map((r) => r.id)).toEqual([2]);
    b.release();
    expect(detector.checkedOut()).toEqual([]);
  });

  it("names the leaking function and its file:line, from a real handler's error path", async () => {
    const { pool, clock, leaks } = watchedPool({ maxCheckoutMs: 5_000 });
    const err = await leakyHandler(pool, 0).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('22012'); // division_by_zero, from the server
    expect(await leakyHandler(pool, 4)).toBe(25); // the happy path releases
    await clock.advance(5_000);
    expect(leaks).toHaveLength(1);
    const { file, line } = leakyCheckoutLine();
    expect(leaks[0]!.site).toMatch(
      new RegExp(`^leakyHandler \\(${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}:\\d+\\)$`),
    );
    expect(leaks[0]!.stack).toContain('leakyHandler');
  });

  it('without stack capture it still counts the leak, and says the site is unknown', async () => {
    const { pool, clock, leaks } = watchedPool({ maxCheckoutMs: 100, captureStack: false });
    await leakyHandler(pool, 0).catch(() => undefined);
    await clock.advance(100);
    expect(leaks.map((r) => r.site)).toEqual(['unknown (captureStack: false)']);
  });

  it('detach() stops the scans and restores pool.connect', async () => {
    const { pool, clock, leaks, detector } = watchedPool({ maxCheckoutMs: 100 });
    detector.detach();
    expect(Object.hasOwn(pool, 'connect')).toBe(false);
    expect(clock.pending).toBe(0);
    const client = await pool.connect();
    await clock.advance(1_000);
    expect(leaks).toEqual([]);
    client.release();
  });
});
