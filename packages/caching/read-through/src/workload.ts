// Deterministic workloads shared by tests, demo and bench: a seeded PRNG (mulberry32) and Zipfian key
// ranks (rank r drawn with probability proportional to 1 / r^s), so every run reads the same keys.

/** A seeded PRNG returning numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Draws ranks 1..n, rank r with probability (1 / r^s) / H(n, s). */
export function zipfian(n: number, s: number, seed: number): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let r = 1; r <= n; r++) cdf[r - 1] = total += 1 / r ** s;
  for (let i = 0; i < n; i++) cdf[i]! /= total;
  const random = seededRandom(seed);
  return () => {
    const u = random();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}

/** The share of draws the `cached` most likely ranks get: the best hit ratio a cache of that many keys can have. */
export function zipfTopShare(n: number, s: number, cached: number): number {
  let top = 0;
  let total = 0;
  for (let r = 1; r <= n; r++) {
    total += 1 / r ** s;
    if (r <= cached) top += 1 / r ** s;
  }
  return top / total;
}
