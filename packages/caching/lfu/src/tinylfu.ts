// W-TinyLFU (Einziger, Friedman and Manes, "TinyLFU: A Highly Efficient Cache Admission Policy"; the
// policy of Caffeine): a small window LRU takes every new entry; what falls out of the window is only
// admitted into the main cache if the count-min sketch says it was seen more often than the main cache's
// own victim. The main cache is a segmented LRU: probation (entries seen once there) and protected
// (entries hit again). A one-off scan fills the window and dies there; the hot set in main stays.
import type { Cache } from './cache.ts';
import { check } from './errors.ts';
import { countMinSketch, type CountMinSketch } from './sketch.ts';

export interface WTinyLfuOptions {
  /** How many entries it holds at most (an integer >= 2: a window and a main cache of one each at least). */
  capacity: number;
  /** Share of the capacity for the window LRU, in percent (1 to 50; default 1). */
  windowPercent?: number;
  /** Share of the main cache for its protected segment, in percent (1 to 99; default 80). */
  protectedPercent?: number;
  /** The sketch halves its counters after this many accesses per cached entry (1 to 100; default 10). */
  sampleFactor?: number;
}

export interface WTinyLfu<K, V> extends Cache<K, V> {
  /** The frequency sketch (for tests and for the curious). */
  readonly sketch: CountMinSketch;
  /** Entries that left the window and were refused by the admission filter. */
  readonly rejected: number;
}

export function wTinyLfu<K, V>(options: WTinyLfuOptions): WTinyLfu<K, V> {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const { capacity, windowPercent = 1, protectedPercent = 80, sampleFactor = 10 } = options;
  check.intIn('options.capacity', capacity, 2, Number.MAX_SAFE_INTEGER);
  check.numberIn('options.windowPercent', windowPercent, 1, 50);
  check.numberIn('options.protectedPercent', protectedPercent, 1, 99);
  check.intIn('options.sampleFactor', sampleFactor, 1, 100);
  const windowCap = Math.max(1, Math.floor((capacity * windowPercent) / 100));
  const mainCap = capacity - windowCap;
  const protectedCap = Math.max(1, Math.floor((mainCap * protectedPercent) / 100));
  const sketch = countMinSketch({ width: capacity, sampleSize: sampleFactor * capacity });
  // A Map iterates in insertion order: delete + set moves a key to the most recent end, and the first
  // key is the least recent. That is the whole LRU list each segment needs.
  const window = new Map<K, V>();
  const probation = new Map<K, V>();
  const protectedSeg = new Map<K, V>();
  let rejected = 0;
  const oldest = (m: Map<K, V>): K => m.keys().next().value as K;

  const admit = (candidate: K, value: V): void => {
    if (probation.size + protectedSeg.size < mainCap) {
      probation.set(candidate, value);
      return;
    }
    const from = probation.size > 0 ? probation : protectedSeg;
    const victim = oldest(from);
    if (sketch.estimate(candidate) > sketch.estimate(victim)) {
      from.delete(victim);
      probation.set(candidate, value);
    } else {
      rejected++;
    }
  };

  return {
    capacity,
    sketch,
    get rejected() {
      return rejected;
    },
    get size() {
      return window.size + probation.size + protectedSeg.size;
    },
    get(key) {
      sketch.increment(key);
      // One lookup per segment (a stored undefined counts as a miss, as in the other policies).
      const inWindow = window.get(key);
      if (inWindow !== undefined) {
        window.delete(key);
        window.set(key, inWindow);
        return inWindow;
      }
      const inProbation = probation.get(key);
      if (inProbation !== undefined) {
        probation.delete(key);
        protectedSeg.set(key, inProbation); // hit again: promote
        if (protectedSeg.size > protectedCap) {
          const demoted = oldest(protectedSeg);
          probation.set(demoted, protectedSeg.get(demoted) as V);
          protectedSeg.delete(demoted);
        }
        return inProbation;
      }
      const inProtected = protectedSeg.get(key);
      if (inProtected !== undefined) {
        protectedSeg.delete(key);
        protectedSeg.set(key, inProtected);
      }
      return inProtected;
    },
    set(key, value) {
      for (const seg of [window, probation, protectedSeg]) {
        if (seg.has(key)) {
          seg.delete(key);
          seg.set(key, value);
          return;
        }
      }
      window.set(key, value);
      if (window.size > windowCap) {
        const candidate = oldest(window);
        const v = window.get(candidate) as V;
        window.delete(candidate);
        admit(candidate, v);
      }
    },
    has: (key) => window.has(key) || probation.has(key) || protectedSeg.has(key),
    delete: (key) => window.delete(key) || probation.delete(key) || protectedSeg.delete(key),
  };
}
