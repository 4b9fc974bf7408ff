// The token bucket as people first write it: the same arithmetic as src/lua/take-1.lua, but done in the
// client between separate round trips — read the bucket (HMGET), compute, write it back (HSET). Between
// the read and the write, other callers read the same level, all see enough tokens and are all admitted:
// the bucket over-admits under concurrency. Kept only to show that (tests, demo, bench); only under the
// 'poc-redis-lua-token-bucket/naive' subpath, not the package index. Do not use.
import type { Redis } from 'ioredis';
import { check, redisCall } from './errors.ts';
import {
  bucketKey,
  checkOptions,
  checkTake,
  readClock,
  type TokenBucket,
  type TokenBucketOptions,
} from './token-bucket.ts';

export function naiveTokenBucket(redis: Redis, options: TokenBucketOptions): TokenBucket {
  const s = checkOptions(redis, options);
  const unit = s.rate.perMs * 1_000;
  const full = s.capacity * unit;
  const tokens = s.rate.tokens;
  return {
    name: s.name,
    capacity: s.capacity,
    rate: s.rate,
    async take(key, n = 1, signal) {
      checkTake(s, key, n, signal);
      signal?.throwIfAborted();
      const k = bucketKey(s.name, key);
      return redisCall(`naive take of ${n} from bucket "${key}"`, async () => {
        // Time: the caller's clock, or one more round trip to ask the server's.
        const now = s.clock ? readClock(s.clock) * 1_000 : await serverNowUs(s.redis);
        const [storedLevel, storedAt] = await s.redis.hmget(k, 'level', 'at'); // <- everyone here before the HSET reads the same level
        let level = storedLevel === null ? full : Number(storedLevel);
        let at = storedAt === null ? now : Number(storedAt);
        if (now > at) {
          level = Math.min(full, level + Math.min(now - at, Math.ceil((full - level) / tokens)) * tokens);
          at = now;
        }
        const need = n * unit;
        if (level < need) {
          return {
            allowed: false,
            remaining: Math.floor(level / unit),
            retryAfterMs: Math.ceil(Math.ceil((need - level) / tokens) / 1_000),
          };
        }
        level -= need;
        await s.redis.hset(k, 'level', level, 'at', at);
        await s.redis.pexpire(k, Math.ceil(Math.ceil((full - level) / tokens) / 1_000));
        return { allowed: true, remaining: Math.floor(level / unit), retryAfterMs: 0 };
      });
    },
    async reset(key) {
      check.name('key', key);
      await redisCall(`naive reset of bucket "${key}"`, () => s.redis.del(bucketKey(s.name, key)));
    },
  };
}

async function serverNowUs(redis: Redis): Promise<number> {
  const [seconds, micros] = (await redis.time()).map(Number) as [number, number];
  return seconds * 1_000_000 + micros;
}
