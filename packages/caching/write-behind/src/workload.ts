// Keys for the write workloads of the tests, the demo and the bench: Zipfian (a few hot keys take most
// writes, as counters, sessions and "last seen" fields do), deterministic from a seed.
import { check } from './errors.ts';

export interface ZipfOptions {
  seed: number;
  /** Distinct keys ("key-1" ... "key-N"). */
  keys: number;
  /** How many keys to draw. */
  count: number;
  /** Zipf exponent (default 1). */
  s?: number;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `count` keys drawn from a Zipf distribution over `keys` keys (rank 1 the hottest). */
export function zipfKeys(options: ZipfOptions): string[] {
  check.options('options', options);
  const { seed, keys, count, s = 1 } = options;
  check.that(Number.isSafeInteger(seed), 'options.seed', 'must be an integer', seed);
  check.positiveInt('options.keys', keys);
  check.positiveInt('options.count', count);
  check.positiveNumber('options.s', s);
  const cdf: number[] = [];
  let sum = 0;
  for (let r = 1; r <= keys; r++) cdf.push((sum += 1 / r ** s));
  const random = mulberry32(seed);
  return Array.from({ length: count }, () => {
    const u = random() * sum;
    let lo = 0;
    let hi = keys - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return `key-${lo + 1}`;
  });
}
