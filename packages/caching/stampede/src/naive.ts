// The cache people write first: GET; on a miss (or an expired entry) load and SET. Correct with one
// reader; when a hot key expires under N concurrent readers, all N miss before the first SET lands and
// the database runs the same query N times. Same options and interface as the wrappers in ./index.ts,
// so tests and the bench compare like with like. Import it from 'poc-caching-stampede/naive'.
import { cached, createStore, isFresh, type CacheOptions, type Cached, type Loader } from './stampede.ts';

export function naiveCache<V>(loader: Loader<V>, options: CacheOptions): Cached<V> {
  const store = createStore(loader, options);
  return cached(store, async (key, signal) => {
    const entry = await store.read(key);
    if (isFresh(entry, store.clock.now())) {
      store.stats.hits++;
      return entry.v;
    }
    const loaded = await store.load(key, signal);
    await store.write(key, loaded);
    return loaded.v;
  });
}
