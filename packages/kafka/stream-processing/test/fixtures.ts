// Constants shared by the tests, the crash worker (a separate process: no vitest here) and the demo.
import { hoppingWindow, tumblingWindow } from '../src/index.ts';

/** Group timings that let a dead member's partitions move within seconds. */
export const FAST_GROUP = {
  sessionTimeout: 6_000,
  heartbeatInterval: 500,
  rebalanceTimeout: 6_000,
  maxWaitTimeInMs: 50,
};

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
/**
 * The start of the previous hour: the tests' event times are minutes after it. Not a fixed date: the
 * input topics keep Kafka's default time-based retention (7 days), which deletes a segment once its
 * newest timestamp is older than that — events stamped months ago vanished before the processor read
 * them (at the broker's first retention check, 30 s after it starts).
 */
export const T0 = Math.floor(Date.now() / HOUR) * HOUR - HOUR;

/** The windows of every test: a tumbling minute, and a minute every 20 seconds. */
export const windows = () => [
  tumblingWindow(MINUTE, 'tumbling-1m'),
  hoppingWindow(MINUTE, 20 * SECOND, 'hopping-1m-20s'),
];
/** The same windows, as the independent recount in helpers.ts reads them. */
export const BY_HAND = [
  { name: 'tumbling-1m', size: MINUTE, advance: MINUTE },
  { name: 'hopping-1m-20s', size: MINUTE, advance: 20 * SECOND },
];

/** Grace of the crash worker: long enough that no event of the crash test is ever late. */
export const CRASH_GRACE_MS = 60 * MINUTE;
