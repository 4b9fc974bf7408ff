// What people write first: one long max-age on every product, and no validators. It is fast while nothing
// changes; after an update every cache that stored the old body (the proxy, the browser) keeps serving it
// until max-age runs out, and a client cannot ask "has it changed?" (no ETag, no Last-Modified), so the
// only fixes are waiting or purging. Same interface as cachedResource; import it from
// 'poc-caching-http-caching/naive'.
import { check } from './errors.ts';
import type { CachedResource, Loader, Entity } from './http-caching.ts';

export interface NaiveResourceOptions<V> {
  load: Loader<Entity<V> | null>;
  /** Seconds every cache may serve the body without asking (default one day). */
  maxAge?: number;
}

export function naiveResource<V>(options: NaiveResourceOptions<V>): CachedResource<V> {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.fn('options.load', options.load);
  const maxAge = options.maxAge ?? 86_400;
  check.nonNegativeInt('options.maxAge', maxAge);
  const control = `public, max-age=${maxAge}`;
  return {
    cacheControl: control,
    async get(key, { signal } = {}) {
      check.name('key', key);
      check.signal('signal', signal);
      const entity = await options.load(key, signal); // conditional headers ignored: nothing to compare with
      if (!entity) return { status: 404, headers: { 'cache-control': 'no-store' }, read: 'entity' };
      return { status: 200, headers: { 'cache-control': control }, body: entity.value, read: 'entity' };
    },
  };
}
