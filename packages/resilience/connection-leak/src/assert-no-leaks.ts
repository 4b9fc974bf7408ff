// For test suites: after a test, no client of `pool` may still be checked out. pg's own counters say how
// many are; a leakDetector on the pool says where each was checked out.
import type pg from 'pg';
import { LeakError, check, hasMethods } from './errors.ts';
import { detectorOf } from './leak-detector.ts';

/** Throws a LeakError when any client of `pool` is checked out (naming the sites when a detector watches it). */
export function assertNoLeaks(pool: pg.Pool): void {
  check.kind(hasMethods(pool, 'connect', 'query'), 'pool', 'must be a pg.Pool', pool);
  const checkedOut = pool.totalCount - pool.idleCount;
  if (checkedOut === 0) return;
  throw new LeakError(checkedOut, detectorOf(pool)?.checkedOut() ?? []);
}
