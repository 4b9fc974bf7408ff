// LFU with aging: every entry counts its accesses, the entry with the lowest count leaves first (the
// least recently used among equal counts), and every `halveEvery` operations all counts are halved, so
// yesterday's popularity fades and a new hot set can take over. get() and set() are O(1) (a Set of keys
// per count, the lowest count tracked); the halving is O(n log n) once per `halveEvery` operations.
import type { Cache } from './cache.ts';
import { check } from './errors.ts';

export interface LfuOptions {
  /** How many entries it holds at most (a positive integer). */
  capacity: number;
  /** Halve every count after this many get()/set() calls (a positive integer; default 10 × capacity). */
  halveEvery?: number;
}

interface Entry<V> {
  value: V;
  count: number;
  /** The operation number of its last access: the order within a count, kept across a halving. */
  last: number;
}

/** A least-frequently-used cache whose counts are halved periodically (aging). */
export function lfu<K, V>(options: LfuOptions): Cache<K, V> {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.positiveInt('options.capacity', options.capacity);
  const halveEvery = options.halveEvery ?? 10 * options.capacity;
  check.positiveInt('options.halveEvery', halveEvery);
  return frequencyCache(options.capacity, halveEvery);
}

/** The LFU itself; `halveEvery` Infinity is the plain LFU without aging (src/naive.ts). */
export function frequencyCache<K, V>(capacity: number, halveEvery: number): Cache<K, V> {
  const entries = new Map<K, Entry<V>>();
  const buckets = new Map<number, Set<K>>(); // count → keys, least recently used first
  let minCount = 0;
  let ops = 0;

  const place = (key: K, count: number): void => {
    let bucket = buckets.get(count);
    if (bucket === undefined) buckets.set(count, (bucket = new Set()));
    bucket.add(key);
  };
  const unplace = (key: K, count: number): void => {
    const bucket = buckets.get(count) as Set<K>;
    bucket.delete(key);
    if (bucket.size === 0) {
      buckets.delete(count);
      if (minCount === count) minCount = count + 1; // only right when the key moves up: callers fix otherwise
    }
  };
  const touch = (key: K, entry: Entry<V>): void => {
    unplace(key, entry.count);
    entry.count++;
    entry.last = ops;
    place(key, entry.count);
  };
  const tick = (): void => {
    ops++;
    if (ops % halveEvery !== 0 || entries.size === 0) return;
    // Aging: halve every count (at least 1), rebuild the buckets in order of last access.
    buckets.clear();
    const byLast = [...entries].sort((a, b) => a[1].last - b[1].last);
    minCount = Infinity;
    for (const [key, entry] of byLast) {
      entry.count = Math.max(1, entry.count >> 1);
      place(key, entry.count);
      minCount = Math.min(minCount, entry.count);
    }
  };

  return {
    capacity,
    get size() {
      return entries.size;
    },
    get(key) {
      const entry = entries.get(key);
      if (entry !== undefined) touch(key, entry);
      tick();
      return entry?.value;
    },
    set(key, value) {
      const entry = entries.get(key);
      if (entry !== undefined) {
        entry.value = value;
        touch(key, entry);
      } else {
        if (entries.size >= capacity) {
          const bucket = buckets.get(minCount) as Set<K>;
          const victim = bucket.values().next().value as K;
          unplace(victim, minCount);
          entries.delete(victim);
        }
        entries.set(key, { value, count: 1, last: ops });
        place(key, 1);
        minCount = 1;
      }
      tick();
    },
    has: (key) => entries.has(key),
    delete(key) {
      const entry = entries.get(key);
      if (entry === undefined) return false;
      entries.delete(key);
      unplace(key, entry.count);
      // The lowest count may have gone with it: find the next one (rare; bounded by the highest count).
      if (!buckets.has(minCount)) minCount = buckets.size === 0 ? 0 : Math.min(...buckets.keys());
      return true;
    },
  };
}
