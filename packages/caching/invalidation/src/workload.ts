// A deterministic read/write mix over a few hot keys, shared by the tests, the demo and the bench: the
// same seed gives the same operations. Keys are skewed (key i is picked with probability falling with i),
// because the race needs a read miss and a write on the same key at about the same time.
import { check } from './errors.ts';

export interface WorkloadOptions {
  /** Seed of the pseudo-random sequence (an integer). */
  seed: number;
  /** Number of distinct keys ("item-1" ... "item-N"). */
  keys: number;
  /** Number of operations. */
  ops: number;
  /** Share of writes, from 0 to 1. */
  writeRatio: number;
}

export interface WorkloadOp {
  kind: 'read' | 'write';
  key: string;
}

/** mulberry32: a small, fast, seedable generator of floats in [0, 1). */
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

export const itemKey = (i: number): string => `item-${i}`;

export function mixedWorkload(options: WorkloadOptions): WorkloadOp[] {
  check.options('options', options);
  const { seed, keys, ops, writeRatio } = options;
  check.that(Number.isSafeInteger(seed), 'options.seed', 'must be an integer', seed);
  check.positiveInt('options.keys', keys);
  check.positiveInt('options.ops', ops);
  check.numberIn('options.writeRatio', writeRatio, 0, 1);
  const random = seededRandom(seed);
  return Array.from({ length: ops }, () => {
    const u = random();
    const key = itemKey(1 + Math.floor(keys * u * u)); // skewed towards item-1
    return { kind: random() < writeRatio ? 'write' : 'read', key };
  });
}
