// What people write first: no deduplication. Every delivery of an at-least-once message applies its
// effect, so a redelivery storm (a consumer restarted before it acknowledged, a broker's visibility
// timeout, a producer's retry) applies effects twice or more. Same options and interface as dedup(), so
// tests and the bench compare like with like. Import it from 'poc-resilience-dedup/naive'.
import type { Redis } from 'ioredis';
import { checkEffect, createContext, markKey, type Dedup, type DedupOptions } from './dedup.ts';
import { check, redisCall } from './errors.ts';

export function naiveDedup(redis: Redis, options: DedupOptions): Dedup {
  const context = createContext(redis, options);
  return {
    strategy: context.strategy,
    async once(message, effect, signal) {
      markKey(context, message);
      check.fn('effect', effect);
      return { applied: true, value: await effect(signal ?? new AbortController().signal) };
    },
    async onceInRedis(message, effect) {
      markKey(context, message);
      checkEffect(effect);
      const multi = redis.multi();
      for (const c of effect) multi.call(c.command, c.key, ...(c.args ?? []));
      await redisCall(`applying message ${message.id}`, () => multi.exec());
      return true;
    },
  };
}
