// A retry budget (as in Finagle's RetryBudget and gRPC's retry throttling): retries may add at most
// `ratio` of the requests seen in the last window, plus a small reserve of `minPerSecond` so a quiet
// client can still retry. During an outage every request fails, the budget runs dry, and the load on
// the failing service stays near (1 + ratio) x the requests instead of attempts x. It keeps counts in
// memory, per process: one budget object is shared by every call it wraps.
import { systemClock, type Clock, type Operation, type Policy } from '@poc/kit';
import { check } from './errors.ts';

export interface RetryBudgetOptions {
  /** Retries allowed per request seen in the window (0.1 = retries may add 10% to the load). From 0 to 1... or more. */
  ratio: number;
  /** A reserve of retries per second of window, granted even with no requests (default 10, Finagle's default). */
  minPerSecond?: number;
  /** How long a request (its deposit) and a retry (its withdrawal) count, in ms (default 10 000). */
  windowMs?: number;
  clock?: Clock;
}

export interface RetryBudgetStats {
  /** Requests seen (calls through the budget's policy), since it was made. */
  requests: number;
  retriesAllowed: number;
  retriesRefused: number;
  /** Retries the budget would allow right now. */
  available: number;
}

/**
 * Callable as a Policy: it counts each call of the operations it wraps as one request and passes it
 * through. `allowRetry` is the predicate for retry({ allow }) of poc-resilience-backoff-jitter: it
 * takes one retry from the budget, or refuses.
 */
export interface RetryBudget extends Policy {
  readonly allowRetry: () => boolean;
  stats(): RetryBudgetStats;
}

/** Counts are kept in this many slots per window: an event stops counting between 9/10 and 10/10 of windowMs after it. */
export const SLOTS = 10;

export function retryBudget(options: RetryBudgetOptions): RetryBudget {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.that(
    Number.isFinite(options.ratio) && options.ratio >= 0,
    'options.ratio',
    'must be a finite number >= 0',
    options.ratio,
  );
  const { ratio, minPerSecond = 10, windowMs = 10_000 } = options;
  check.that(
    Number.isFinite(minPerSecond) && minPerSecond >= 0,
    'options.minPerSecond',
    'must be a finite number >= 0',
    minPerSecond,
  );
  check.that(
    Number.isSafeInteger(windowMs) && windowMs >= SLOTS,
    'options.windowMs',
    `must be an integer >= ${SLOTS}`,
    windowMs,
  );
  const clock = options.clock ?? systemClock;
  check.kind(typeof clock?.now === 'function', 'options.clock', 'must be a Clock', clock);

  const requests = windowedCounter(clock, windowMs);
  const retries = windowedCounter(clock, windowMs);
  const reserve = (minPerSecond * windowMs) / 1000;
  const totals = { requests: 0, retriesAllowed: 0, retriesRefused: 0 };
  // Deposits minus withdrawals; the epsilon keeps 0.57 x 100 = 56.99999999999999 from refusing the 57th retry.
  const available = (): number => Math.floor(ratio * requests.sum() + reserve - retries.sum() + 1e-9);

  const policy = <T>(operation: Operation<T>): Operation<T> => {
    check.fn('operation', operation);
    return (signal) => {
      requests.add();
      totals.requests++;
      return operation(signal);
    };
  };
  return Object.assign(policy, {
    allowRetry(): boolean {
      if (available() < 1) {
        totals.retriesRefused++;
        return false;
      }
      retries.add();
      totals.retriesAllowed++;
      return true;
    },
    stats: (): RetryBudgetStats => ({ ...totals, available: Math.max(0, available()) }),
  });
}

/** Events in the last window, in SLOTS slots of windowMs/SLOTS: O(1) memory whatever the rate. */
function windowedCounter(clock: Clock, windowMs: number): { add(): void; sum(): number } {
  const slotMs = windowMs / SLOTS;
  const counts = new Array<number>(SLOTS).fill(0);
  let current = Math.floor(clock.now() / slotMs);
  const advance = (): void => {
    const now = Math.floor(clock.now() / slotMs);
    for (let s = current + 1; s <= Math.min(now, current + SLOTS); s++) counts[s % SLOTS] = 0;
    current = Math.max(current, now);
  };
  return {
    add() {
      advance();
      counts[current % SLOTS]!++;
    },
    sum() {
      advance();
      return counts.reduce((a, b) => a + b, 0);
    },
  };
}
