import { interquartileRange, max, median, min } from 'simple-statistics';
import type { Summary } from './schema.ts';

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new RangeError('summarize() needs at least one value');
  const v = [...values];
  return {
    median: median(v),
    min: min(v),
    max: max(v),
    iqr: v.length > 1 ? interquartileRange(v) : 0,
    samples: v.length,
  };
}
