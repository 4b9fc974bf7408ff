// Deterministic workload generators (same seed, same trace), shared by the tests, the demo and the bench.
// A trace is an array of integer key ids; each access is "get, and on a miss set".
import { check } from './errors.ts';

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  check.that(Number.isSafeInteger(seed), 'seed', 'must be an integer', seed);
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ZipfOptions {
  /** Distinct keys, ids 0..keys-1 (id 0 the most popular). */
  keys: number;
  /** Accesses to generate. */
  length: number;
  /** Zipf exponent s (0.5 to 2); 1 is the classic web-cache skew. */
  skew?: number;
  seed?: number;
  /** Added to every id (to keep several phases' keys apart). */
  offset?: number;
}

/** Keys drawn with P(rank r) ∝ 1 / r^skew, by inverting the cumulative distribution (binary search). */
export function zipfTrace(options: ZipfOptions): number[] {
  const { keys, length, skew = 1, seed = 1, offset = 0 } = options;
  check.positiveInt('keys', keys);
  check.nonNegativeInt('length', length);
  check.numberIn('skew', skew, 0.5, 2);
  const cdf = new Float64Array(keys);
  let sum = 0;
  for (let r = 0; r < keys; r++) cdf[r] = sum += 1 / Math.pow(r + 1, skew);
  const random = seededRandom(seed);
  const out = new Array<number>(length);
  for (let i = 0; i < length; i++) {
    const u = random() * sum;
    let lo = 0;
    let hi = keys - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    out[i] = lo + offset;
  }
  return out;
}

/** A one-off scan: `length` distinct keys from `from`, each read once (a report, a backup, a crawler). */
export function scanTrace(from: number, length: number): number[] {
  check.nonNegativeInt('from', from);
  check.nonNegativeInt('length', length);
  return Array.from({ length }, (_, i) => from + i);
}

/** A loop over `keys` keys, repeated `times` (a batch job re-reading a table bigger than the cache). */
export function loopTrace(keys: number, times: number): number[] {
  check.positiveInt('keys', keys);
  check.nonNegativeInt('times', times);
  const out: number[] = [];
  for (let t = 0; t < times; t++) for (let k = 0; k < keys; k++) out.push(k);
  return out;
}

/** Zipfian traffic with a one-off scan of cold keys every `every` accesses. */
export function scanHeavyTrace(options: ZipfOptions & { every: number; scanLength: number }): number[] {
  check.positiveInt('every', options.every);
  check.positiveInt('scanLength', options.scanLength);
  const base = zipfTrace(options);
  const out: number[] = [];
  let cold = options.keys + (options.offset ?? 0);
  base.forEach((key, i) => {
    out.push(key);
    if ((i + 1) % options.every === 0) {
      for (let s = 0; s < options.scanLength; s++) out.push(cold++);
    }
  });
  return out;
}

export interface HitCount {
  hits: number;
  misses: number;
  /** hits ÷ accesses, 0 for an empty trace. */
  ratio: number;
}

/** Replays a trace on a cache ("get, and on a miss set"), counting hits. */
export function replay(
  cache: { get(key: number): unknown; set(key: number, value: unknown): unknown },
  trace: readonly number[],
): HitCount {
  let hits = 0;
  for (const key of trace) {
    if (cache.get(key) !== undefined) hits++;
    else cache.set(key, key);
  }
  return count(hits, trace.length);
}

export const count = (hits: number, accesses: number): HitCount => ({
  hits,
  misses: accesses - hits,
  ratio: accesses === 0 ? 0 : hits / accesses,
});
