// The sliding log as people first write it: the same three steps as src/lua/sliding-log-1.lua, but as
// separate round trips from the client. Between "count" and "add", other clients count too, see the
// same number and are all admitted. retryAfterMs / resetMs are rough (a whole window). Kept only to show that failure
// (tests, demo, bench); only under the 'poc-redis-rate-limit/naive' subpath, not the package index. Do not use.
import { randomBytes } from 'node:crypto';
import { redisCall } from './errors.ts';
import {
  readClock,
  validateCost,
  validateKey,
  validateOptions,
  type LimiterOptions,
  type RateLimiter,
} from './limiters.ts';

export function naiveSlidingWindowLog(options: LimiterOptions): RateLimiter {
  const s = validateOptions(options);
  const keyOf = (key: string): string => `${s.prefix}:naive-log:{${key}}`;
  return {
    algorithm: 'sliding-log',
    limit: s.limit,
    windowMs: s.windowMs,
    async consume(key, cost = 1) {
      validateKey(key);
      validateCost(cost, s.limit);
      const now = readClock(s.clock);
      const k = keyOf(key);
      return redisCall(`naive consume for key "${key}"`, async () => {
        await s.redis.zremrangebyscore(k, '-inf', now - s.windowMs);
        const used = await s.redis.zcard(k); // <- everyone who gets here before the ZADD below sees the same count
        if (used + cost > s.limit)
          return {
            allowed: false,
            limit: s.limit,
            remaining: Math.max(s.limit - used, 0),
            retryAfterMs: s.windowMs,
            resetMs: s.windowMs,
          };
        const id = randomBytes(8).toString('hex');
        await s.redis.zadd(k, ...Array.from({ length: cost }, (_, i) => [now, `${id}:${i}`]).flat());
        await s.redis.pexpire(k, s.windowMs);
        return {
          allowed: true,
          limit: s.limit,
          remaining: s.limit - used - cost,
          retryAfterMs: 0,
          resetMs: s.windowMs,
        };
      });
    },
    async reset(key) {
      validateKey(key);
      await redisCall(`naive reset for key "${key}"`, () => s.redis.del(keyOf(key)));
    },
  };
}
