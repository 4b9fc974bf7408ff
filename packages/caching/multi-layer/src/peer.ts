// The peer: cache-manager's multi-tier cache, configured as its README shows: stores tried in order, an
// in-memory Keyv (here on an lru-cache of the same size as our L1) then a Redis Keyv (@keyv/redis), and
// wrap() to read through the loader (a Redis-tier hit is copied into the memory tier). `del` removes the
// key from every tier OF THIS PROCESS: nothing tells the other processes, whose memory tier keeps the
// old value until its TTL (test/multi-layer.test.ts shows it). A fixture with the same get/invalidate as multiLayerCache, imported by path.
import KeyvRedis from '@keyv/redis';
import { createCache } from 'cache-manager';
import { Keyv } from 'keyv';
import { LRUCache } from 'lru-cache';
import type { Loader } from './multi-layer.ts';

export interface CacheManagerTiers<V> {
  get(key: string): Promise<V>;
  /** cache-manager's del: every tier of this process. */
  invalidate(key: string): Promise<void>;
  readonly loads: number;
  /** Reads answered by this process's memory tier. */
  readonly memoryHits: number;
  close(): Promise<void>;
}

export interface CacheManagerTiersOptions<V> {
  loader: Loader<V>;
  /** redis:// URL for @keyv/redis (it opens its own node-redis connection). */
  redisUrl: string;
  /** Keyv namespace of the Redis tier (put the suite's key prefix in front). */
  namespace: string;
  l1Max: number;
  /** cache-manager gives one TTL to every tier of a wrap(). */
  ttlMs: number;
}

export function cacheManagerTiers<V>(options: CacheManagerTiersOptions<V>): CacheManagerTiers<V> {
  let memoryHits = 0;
  const lru = new LRUCache<string, object>({ max: options.l1Max });
  // The README's `new Keyv({ store: new LRU(...) })` fails with lru-cache 11: Keyv calls
  // store.set(key, value, ttl) with a number where lru-cache takes an options object, the TypeError is
  // emitted as a Keyv 'error' and nothing is stored. So the memory tier gets a Map-shaped adapter (Keyv
  // keeps the expiry inside the stored value) that also counts this tier's hits.
  const store = {
    get(key: string) {
      const found = lru.get(key);
      if (found !== undefined) memoryHits++;
      return found;
    },
    set: (key: string, value: object) => (lru.set(key, value), store),
    delete: (key: string) => lru.delete(key),
    clear: () => lru.clear(),
    has: (key: string) => lru.has(key),
  };
  const memory = new Keyv({ store });
  const redis = new Keyv({ store: new KeyvRedis(options.redisUrl), namespace: options.namespace });
  const cache = createCache({ stores: [memory, redis], ttl: options.ttlMs });
  let loads = 0;
  return {
    get: (key) =>
      cache.wrap(key, () => {
        loads++;
        return options.loader(key);
      }),
    async invalidate(key) {
      await cache.del(key);
    },
    get loads() {
      return loads;
    },
    get memoryHits() {
      return memoryHits;
    },
    async close() {
      await cache.disconnect();
    },
  };
}
