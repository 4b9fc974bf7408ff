// The Zipfian product workload shared by the tests, the demo and the bench: poc-caching-lru's seeded
// zipfTrace (the generator the caching POCs replay), served as an endless stream of product ids
// 1..products, id 1 the hottest. Same seed, same ids, every run.
import { zipfTrace } from 'poc-caching-lru';
import { check } from './errors.ts';

/** Ids are drawn in blocks of this many; each block continues the sequence with the next seed. */
const BLOCK = 10_000;

/** An endless stream of product ids 1..products, Zipf exponent `s` (0.5 to 2). */
export function zipfIds(options: { products: number; s: number; seed: number }): () => number {
  const { products, s, seed } = options;
  check.positiveInt('options.products', products);
  check.positiveNumber('options.s', s);
  let block: number[] = [];
  let next = 0;
  let round = 0;
  return () => {
    if (next === block.length) {
      block = zipfTrace({ keys: products, length: BLOCK, skew: s, seed: seed + round++ });
      next = 0;
    }
    return block[next++]! + 1;
  };
}
