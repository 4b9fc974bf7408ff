// Probabilistic early expiration (XFetch; Vattani, Chierichetti and Lowenstein, "Optimal Probabilistic
// Cache Stampede Prevention", VLDB 2015). Each reader of a fresh entry draws a random number and
// refreshes early when  now - delta * beta * ln(rand) >= expiry,  delta being how long the last load
// took. The chance grows as expiry nears, so one reader usually refreshes before the key expires and
// the rest keep reading the old value: no lock, no waiting, no coordination between processes.
import { check } from './errors.ts';
import { cached, createStore, isFresh, type CacheOptions, type Cached, type Loader } from './stampede.ts';

/** The paper's test: should a reader at `now` recompute a value that expires at `expiry`? `rand` in (0, 1]. */
export function xfetchShouldRefresh(now: number, deltaMs: number, beta: number, expiry: number, rand: number): boolean {
  return now - deltaMs * beta * Math.log(rand) >= expiry;
}

/**
 * The probability that one reader refreshes, `gapMs` before expiry, with rand uniform on (0, 1]:
 * P(-delta * beta * ln U >= gap) = P(U <= exp(-gap / (delta * beta))) = exp(-gap / (delta * beta)),
 * and 1 once the entry has expired (gap <= 0).
 */
export function xfetchProbability(gapMs: number, deltaMs: number, beta: number): number {
  if (gapMs <= 0) return 1;
  if (deltaMs * beta === 0) return 0;
  return Math.exp(-gapMs / (deltaMs * beta));
}

export interface XFetchOptions extends CacheOptions {
  /** > 1 refreshes earlier, < 1 later (default 1, the paper's optimum for its model). */
  beta?: number;
  /** A number in (0, 1] per call (default 1 - Math.random()): tests inject a fixed sequence. */
  random?: () => number;
}

/**
 * A cache that refreshes each key early, with XFetch's probability, in the reader that drew it: that
 * reader loads and stores; every other reader keeps the fresh entry. A key that has really expired
 * (or was never loaded) is loaded by every reader that misses: wrap the loader in singleFlight() to
 * make that one load per process, or use lockedCache() for cold keys.
 */
export function xfetchCache<V>(loader: Loader<V>, options: XFetchOptions): Cached<V> {
  const store = createStore(loader, options);
  const { beta = 1, random = () => 1 - Math.random() } = options;
  check.positiveNumber('options.beta', beta);
  check.fn('options.random', random);
  return cached(store, async (key, signal) => {
    const entry = await store.read(key);
    if (isFresh(entry, store.clock.now())) {
      const rand = random();
      check.that(rand > 0 && rand <= 1, 'options.random()', 'must return a number in (0, 1]', rand);
      if (!xfetchShouldRefresh(store.clock.now(), entry.d, beta, entry.e, rand)) {
        store.stats.hits++;
        return entry.v;
      }
    }
    const loaded = await store.load(key, signal);
    await store.write(key, loaded);
    return loaded.v;
  });
}
