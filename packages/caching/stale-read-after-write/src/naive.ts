// The naive version: what people write first. The write commits and invalidates the cache on the primary,
// and every read takes whatever the cache (or the replica it reads from) answers, so the writer's own
// read can return the value it just replaced: from a cache left to its TTL, or from a replica that has
// not yet received the invalidation. Used as `consistency: naiveCache()`, so the tests and the bench run
// the same rounds through it and through the fixes. Not exported from the main entry.
export { naiveCache } from './strategies.ts';
