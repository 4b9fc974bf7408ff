// What people write first: cache-aside with delete-after-write (as in poc-redis-kv-cache) and its sibling
// update-after-write. Both lose the race this package is about: a reader that loaded the old row before a
// write stores it after the write's delete (or update), and the stale value stays until its TTL ends.
// Same loader shape and options as the fixes, so tests and the bench compare like with like. Import it
// from 'poc-caching-invalidation/naive'.
import { createContext, type CacheOptions, type InvalidatingCache, type Loader } from './invalidation.ts';
import { redisCall } from './errors.ts';

export interface DeleteAfterWrite<V> extends InvalidatingCache<V> {
  /** After the commit: delete the key, so the next read loads the new row. */
  invalidate(key: string): Promise<void>;
}

export interface UpdateAfterWrite<V> extends InvalidatingCache<V> {
  /** After the commit: overwrite the key with the committed value. */
  update(key: string, value: V): Promise<void>;
}

function plainCache<V>(
  loader: Loader<V>,
  options: CacheOptions,
): InvalidatingCache<V> & { ctx: ReturnType<typeof createContext> } {
  const ctx = createContext(loader, options);
  const { redis, stats } = ctx;
  return {
    ctx,
    name: ctx.name,
    redisKey: ctx.redisKey,
    stats: () => ({ ...stats }),
    async get(key, options = {}) {
      const { signal } = ctx.checkGet(key, options);
      const cached = await redisCall(`reading "${key}"`, () => redis.get(ctx.redisKey(key)));
      if (cached !== null) {
        stats.hits++;
        return JSON.parse(cached) as V;
      }
      stats.loads++;
      const value = await loader(key, signal);
      const data = ctx.encode(key, value);
      // The unconditional SET: whatever the loader read, however long ago, wins.
      await redisCall(`storing "${key}"`, () => redis.set(ctx.redisKey(key), data, 'PX', ctx.ttlMs));
      return value;
    },
  };
}

export function deleteAfterWrite<V>(loader: Loader<V>, options: CacheOptions): DeleteAfterWrite<V> {
  const { ctx, ...cache } = plainCache(loader, options);
  return {
    ...cache,
    async invalidate(key) {
      ctx.checkKey(key);
      await redisCall(`invalidating "${key}"`, () => ctx.redis.del(ctx.redisKey(key)));
    },
  };
}

export function updateAfterWrite<V>(loader: Loader<V>, options: CacheOptions): UpdateAfterWrite<V> {
  const { ctx, ...cache } = plainCache(loader, options);
  return {
    ...cache,
    async update(key, value) {
      ctx.checkKey(key);
      const data = ctx.encode(key, value);
      await redisCall(`updating "${key}"`, () => ctx.redis.set(ctx.redisKey(key), data, 'PX', ctx.ttlMs));
    },
  };
}
