// Summaries that keep their samples, a distribution-free interval for a median, and exact percentiles.
import { binomialDistribution, interquartileRange, max, median, min } from 'simple-statistics';
import type { Interval, Summary } from './schema.ts';

/** Median, range and interquartile range of the samples, with every sample kept (in the order given). */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new RangeError('summarize() needs at least one value');
  const v = [...values];
  return {
    median: median(v),
    min: min(v),
    max: max(v),
    iqr: v.length > 1 ? interquartileRange(v) : 0,
    samples: v.length,
    values: v,
  };
}

/** The confidence a median interval is built for, when there are enough samples to reach it. */
export const TARGET_CONFIDENCE = 0.95;

/**
 * A distribution-free confidence interval for the median of independent samples (the sign-test
 * interval): [x(k), x(n+1-k)] of the sorted samples covers the true median with probability
 * 1 - 2·P(Binomial(n, ½) < k). The widest k that still reaches 95% is used; with 5 samples or fewer
 * even min–max does not reach 95% (5: 93.8%, 4: 87.5%, 3: 75%), so min–max is given with its actual
 * confidence, which the rendered table states. One sample has no interval (confidence 0).
 */
export function medianInterval(values: readonly number[]): Interval {
  if (values.length === 0) throw new RangeError('medianInterval() needs at least one value');
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 1) return { low: sorted[0]!, high: sorted[0]!, confidence: 0, method: 'median-sign-test' };
  const pmf = binomialDistribution(n, 0.5) as number[];
  const below = (k: number): number => pmf.slice(0, k).reduce((a, b) => a + b, 0); // P(X < k)
  // Rounded to 12 digits: the library's probabilities carry float noise (0.15625000000000036).
  const coverage = (k: number): number => Math.max(0, Math.min(1, Math.round((1 - 2 * below(k)) * 1e12) / 1e12));
  let k = 1;
  while (k + 1 <= Math.floor((n + 1) / 2) && coverage(k + 1) >= TARGET_CONFIDENCE) k++;
  return { low: sorted[k - 1]!, high: sorted[n - k]!, confidence: coverage(k), method: 'median-sign-test' };
}

/** True when the interval does not exclude 1: the data cannot tell which side is faster. */
export const straddlesOne = (i: Pick<Interval, 'low' | 'high'>): boolean => i.low <= 1 && i.high >= 1;

/**
 * The value at each percentile of the samples by nearest rank (the definition HdrHistogram uses), so
 * every percentile is a value that was recorded, never above the maximum.
 */
export function percentiles<P extends number>(values: ArrayLike<number>, ps: readonly P[]): Record<P, number> {
  if (values.length === 0) throw new RangeError('percentiles() needs at least one value');
  const sorted = Float64Array.from(values).sort();
  const out = {} as Record<P, number>;
  for (const p of ps) {
    const rank = Math.max(1, Math.ceil((Math.min(p, 100) / 100) * sorted.length - 1e-9));
    out[p] = sorted[Math.min(rank, sorted.length) - 1]!;
  }
  return out;
}
