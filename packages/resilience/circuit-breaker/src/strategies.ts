// When does a closed circuit trip? Two strategies, given as data and turned into a small counter:
// `consecutive` trips on the Nth failure in a row; `rate` trips on a failure that brings the share of
// failures in a sliding window of time above `threshold`, once the window holds `minimumThroughput`
// outcomes. Both are checked on failures only (a success never trips), as cockatiel's breakers are.
import { check } from './errors.ts';

export interface ConsecutiveStrategy {
  readonly kind: 'consecutive';
  /** Trips on this many failures in a row (a success starts the count again). */
  readonly threshold: number;
}

export interface RateStrategy {
  readonly kind: 'rate';
  /** Trips when failures / outcomes in the window is strictly above this share, in (0, 1). */
  readonly threshold: number;
  /** Length of the sliding window. */
  readonly windowMs: number;
  /** Outcomes the window must hold before the rate may trip the circuit (low traffic never trips it). */
  readonly minimumThroughput: number;
  /** Buckets the window slides by (default 10); windowMs must be a multiple of it. */
  readonly buckets?: number;
}

export type BreakerStrategy = ConsecutiveStrategy | RateStrategy;

export type WindowSnapshot =
  | { readonly kind: 'consecutive'; readonly consecutiveFailures: number }
  | { readonly kind: 'rate'; readonly failures: number; readonly total: number };

/** What the breaker tells a strategy: one outcome at a time, while closed (and the probe's outcome). */
export interface OutcomeCounter {
  success(now: number): void;
  /** Records a failure; true when the circuit should trip. */
  failure(now: number): boolean;
  /** Forgets every outcome (the circuit closed after a successful probe). */
  reset(): void;
  snapshot(): WindowSnapshot;
}

const KINDS = ['consecutive', 'rate'] as const;

/** Checks a strategy record (every field named in the error) and returns its counter. */
export function counterFor(strategy: BreakerStrategy): OutcomeCounter {
  check.kind(
    typeof strategy === 'object' && strategy !== null && !Array.isArray(strategy),
    'options.strategy',
    'must be an object',
    strategy,
  );
  check.oneOf('options.strategy.kind', strategy.kind, KINDS);
  if (strategy.kind === 'consecutive') {
    check.positiveInt('options.strategy.threshold', strategy.threshold);
    return consecutiveCounter(strategy.threshold);
  }
  check.that(
    typeof strategy.threshold === 'number' && strategy.threshold > 0 && strategy.threshold < 1,
    'options.strategy.threshold',
    'must be a share between 0 and 1, both excluded',
    strategy.threshold,
  );
  check.positiveInt('options.strategy.windowMs', strategy.windowMs);
  check.positiveInt('options.strategy.minimumThroughput', strategy.minimumThroughput);
  const buckets = strategy.buckets ?? 10;
  check.intIn('options.strategy.buckets', buckets, 1, 1000);
  check.that(
    strategy.windowMs % buckets === 0,
    'options.strategy.windowMs',
    `must be a multiple of options.strategy.buckets (${buckets})`,
    strategy.windowMs,
  );
  return rateCounter(strategy.threshold, strategy.windowMs / buckets, buckets, strategy.minimumThroughput);
}

function consecutiveCounter(threshold: number): OutcomeCounter {
  let failures = 0;
  return {
    success: () => void (failures = 0),
    failure: () => ++failures >= threshold,
    reset: () => void (failures = 0),
    snapshot: () => ({ kind: 'consecutive', consecutiveFailures: failures }),
  };
}

interface Bucket {
  startedAt: number;
  failures: number;
  successes: number;
}

/**
 * A ring of `count` buckets of `bucketMs`. A bucket starts with the first outcome after the current one
 * has lasted `bucketMs` (as cockatiel's SamplingBreaker does); idle time uses up buckets too, so an
 * outcome older than the window never counts (where cockatiel, after a long pause, keeps stale buckets).
 */
function rateCounter(threshold: number, bucketMs: number, count: number, minimumThroughput: number): OutcomeCounter {
  const ring: Bucket[] = Array.from({ length: count }, () => ({ startedAt: -Infinity, failures: 0, successes: 0 }));
  let current = 0;
  let failures = 0;
  let successes = 0;

  const bucketAt = (now: number): Bucket => {
    const elapsed = now - ring[current]!.startedAt;
    if (elapsed < bucketMs) return ring[current]!;
    const passed = Math.min(count, Math.floor(elapsed / bucketMs));
    for (let i = 0; i < passed; i++) {
      current = (current + 1) % count;
      const old = ring[current]!;
      failures -= old.failures;
      successes -= old.successes;
      ring[current] = { startedAt: now, failures: 0, successes: 0 };
    }
    return ring[current]!;
  };

  return {
    success(now) {
      bucketAt(now).successes++;
      successes++;
    },
    failure(now) {
      bucketAt(now).failures++;
      failures++;
      const total = failures + successes;
      return total >= minimumThroughput && failures > threshold * total;
    },
    reset() {
      for (const b of ring) Object.assign(b, { startedAt: -Infinity, failures: 0, successes: 0 });
      failures = 0;
      successes = 0;
    },
    snapshot: () => ({ kind: 'rate', failures, total: failures + successes }),
  };
}
