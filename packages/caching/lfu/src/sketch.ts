// A count-min sketch of 4-bit counters: how often was a key seen lately, in a few bytes per entry. Four
// rows, each indexed by its own hash of the key; the estimate is the smallest of the four counters (it
// never undercounts, collisions only add). After `sampleSize` increments every counter is halved, so the
// sketch forgets old popularity (TinyLFU's "reset").
import { check } from './errors.ts';

export interface CountMinSketch {
  /** Records one access of the key. */
  increment(key: unknown): void;
  /** The key's estimated accesses since the last halvings (0 to 15). */
  estimate(key: unknown): number;
  /** How many halvings it has done. */
  readonly resets: number;
}

const DEPTH = 4;
const MAX = 15;
const SEEDS = [0x9e3779b1, 0x85ebca77, 0xc2b2ae3d, 0x27d4eb2f];

export function countMinSketch(options: { width: number; sampleSize: number }): CountMinSketch {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.positiveInt('options.width', options.width);
  check.positiveInt('options.sampleSize', options.sampleSize);
  let width = 1;
  while (width < options.width) width <<= 1; // a power of two: the index is a mask
  const mask = width - 1;
  const table = new Uint8Array(width * DEPTH);
  const { sampleSize } = options;
  let additions = 0;
  let resets = 0;
  const index = (hash: number, row: number): number => {
    let h = Math.imul(hash ^ (SEEDS[row] as number), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return row * width + (h & mask);
  };
  return {
    get resets() {
      return resets;
    },
    increment(key) {
      const h = hashOf(key);
      let added = false;
      for (let row = 0; row < DEPTH; row++) {
        const i = index(h, row);
        if ((table[i] as number) < MAX) {
          table[i] = (table[i] as number) + 1;
          added = true;
        }
      }
      if (added && ++additions >= sampleSize) {
        for (let i = 0; i < table.length; i++) table[i] = (table[i] as number) >>> 1;
        additions = Math.floor(additions / 2);
        resets++;
      }
    },
    estimate(key) {
      const h = hashOf(key);
      let min = MAX;
      for (let row = 0; row < DEPTH; row++) min = Math.min(min, table[index(h, row)] as number);
      return min;
    },
  };
}

/** A 32-bit hash of a number (its bits mixed) or of anything else's string form (FNV-1a). */
function hashOf(key: unknown): number {
  if (typeof key === 'number' && Number.isInteger(key)) {
    const h = Math.imul(key ^ (key / 4294967296), 0x27d4eb2d);
    return h ^ (h >>> 15);
  }
  const s = String(key);
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}
