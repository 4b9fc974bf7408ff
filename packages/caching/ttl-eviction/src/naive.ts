// The naive version: what people write first, one fixed TTL for every entry. Keys loaded together
// (a deploy, a cold start, a bulk import, a cache flush) then expire together, and the database takes
// all their reloads in the same instant. Same interface and checks as the pattern; import it from
// 'poc-caching-ttl-eviction/naive'.
import type { Redis } from 'ioredis';
import { ttlCache, type Loader, type TtlCache, type TtlCacheOptions } from './ttl-cache.ts';

export type FixedTtlCacheOptions = Omit<TtlCacheOptions, 'jitter' | 'random'>;

/** A read-through cache whose entries all live exactly ttlMs. */
export function fixedTtlCache<V>(redis: Redis, loader: Loader<V>, options: FixedTtlCacheOptions): TtlCache<V> {
  return ttlCache(redis, loader, { ...options, jitter: 0 });
}
