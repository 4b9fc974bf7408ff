// Deterministic workloads shared by the tests, the demo and the bench: a seeded random source and a
// Zipfian key trace (a few hot keys take most reads, as in real caches).

/** mulberry32: a small seeded generator of uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `length` key indexes in [0, keys), Zipf-distributed with exponent `s` (rank 0 the hottest). */
export function zipfTrace(options: { keys: number; length: number; s: number; seed: number }): number[] {
  const { keys, length, s, seed } = options;
  const cdf = new Float64Array(keys);
  let sum = 0;
  for (let i = 0; i < keys; i++) cdf[i] = sum += 1 / Math.pow(i + 1, s);
  const random = seededRandom(seed);
  const trace: number[] = [];
  for (let n = 0; n < length; n++) {
    const u = random() * sum;
    let lo = 0;
    let hi = keys - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    trace.push(lo);
  }
  return trace;
}
