// Plain TTL expiry, what people write first: GET; on a miss (or an expired entry) load and SET. The loads
// share one flight per key, as in the refresh-ahead cache, so the only difference is WHEN the reload
// happens: here after expiry, in the reader that found the key gone, which waits for the database; every
// TTL of every hot key puts one such wait in the latency tail. Import it from 'poc-caching-refresh-ahead/naive'.
import { createStore, type Cache, type CacheOptions, type Loader, type Read } from './cache.ts';

export function plainTtlCache<V>(loader: Loader<V>, options: CacheOptions): Cache<V> {
  const store = createStore(loader, options);
  const { stats, clock } = store;

  async function read(key: string, options?: unknown): Promise<Read<V>> {
    stats.gets++;
    const signal = store.checkGet(key, options);
    const entry = await store.read(key);
    if (entry !== null && clock.now() < entry.e) {
      stats.hits++;
      return { value: entry.v, outcome: 'hit' };
    }
    stats.loads++;
    return { value: await store.reload(key, signal), outcome: 'loaded' };
  }

  return {
    read,
    async get(key, options) {
      return (await read(key, options)).value;
    },
    settled: () => Promise.resolve(),
    redisKey: store.redisKey,
    stats: () => ({ ...stats }),
  };
}
