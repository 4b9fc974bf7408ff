// The shared caching shape of the series: wrap any Loader with an in-process cache. A miss calls the
// loader and stores its value; a rejected load is not cached. Concurrent misses of one key are not
// coalesced here (that is poc-caching-stampede's job): compose the two.
import { check } from './errors.ts';
import type { Cache } from './lru.ts';

export type Loader<V> = (key: string, signal?: AbortSignal) => Promise<V>;

export interface CachedLoader<V> {
  get(key: string, options?: { signal?: AbortSignal }): Promise<V>;
  /** Hits and loads since it was made. */
  readonly stats: { hits: number; loads: number };
}

/** What cachedLoader needs of a cache: any policy of this series (LRU, LFU, W-TinyLFU) has it. */
export type LoaderCache<V> = Pick<Cache<string, V>, 'get' | 'set'>;

export function cachedLoader<V>(loader: Loader<V>, options: { cache: LoaderCache<V> }): CachedLoader<V> {
  check.fn('loader', loader);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.kind(
    typeof options.cache === 'object' && options.cache !== null && typeof options.cache.get === 'function',
    'options.cache',
    'must be a Cache',
    options.cache,
  );
  const { cache } = options;
  const stats = { hits: 0, loads: 0 };
  return {
    stats,
    async get(key, { signal } = {}) {
      check.name('key', key);
      check.signal('signal', signal);
      const cached = cache.get(key);
      if (cached !== undefined) {
        stats.hits++;
        return cached;
      }
      signal?.throwIfAborted();
      stats.loads++;
      const value = await loader(key, signal);
      cache.set(key, value);
      return value;
    },
  };
}
