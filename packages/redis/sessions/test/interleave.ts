// Forcing the interleaving a race test is about, instead of hoping for it.
import type { Redis } from 'ioredis';

/** `redis`, except that the caller gets each reply to one of `commands` only once `then()` has resolved. */
export function holdReplies(redis: Redis, commands: readonly string[], then: () => Promise<void>): Redis {
  return new Proxy(redis, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || !commands.includes(property) || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const reply: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        await then();
        return reply;
      };
    },
  });
}
