// The read-through people write first: `if (cached) return cached; const v = await load(); if (v) set(v)`.
// It works for rows that exist. A key with no row is never stored, so every read of it reaches the
// database: a client (or a bot) asking for ids that do not exist goes straight through the cache.
// Same options and interface as readThrough(); import it from 'poc-caching-read-through/naive'.
import { readThrough, type Loader, type ReadThrough, type ReadThroughOptions } from './read-through.ts';

export function naiveReadThrough<V>(loader: Loader<V>, options: ReadThroughOptions): ReadThrough<V> {
  const inner = readThrough(loader, options); // for the checks and the stats shape
  const { redis, ttlMs, keyPrefix = 'rt:' } = options;
  const stats = { hits: 0, negativeHits: 0, loads: 0, fallbacks: 0 };
  const read: ReadThrough<V>['read'] = async (key) => {
    const raw = await redis.get(keyPrefix + key);
    if (raw) {
      stats.hits++;
      return { value: JSON.parse(raw) as V, outcome: 'hit' };
    }
    stats.loads++;
    const value = await loader(key);
    if (value) await redis.set(keyPrefix + key, JSON.stringify(value), 'PX', ttlMs); // null is "nothing to cache"
    return { value, outcome: value ? 'loaded' : 'loaded-none' };
  };
  return { ...inner, read, get: async (key) => (await read(key)).value, stats: () => ({ ...stats }) };
}
