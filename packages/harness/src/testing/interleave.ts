// Forcing the interleaving a race test is about, instead of hoping for it: a barrier, a client whose
// replies to chosen commands are held back until a barrier (or any action) has passed, and Redis's own
// clock for tests of expiry.
import type { Redis } from 'ioredis';

/** A cyclic barrier: the `parties`-th caller releases everyone waiting, and the next round starts empty. */
export function barrier(parties: number): () => Promise<void> {
  let waiting: Array<() => void> = [];
  return () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      if (waiting.length < parties) return;
      const released = waiting;
      waiting = [];
      for (const release of released) release();
    });
}

/**
 * `redis`, except that the caller gets each reply to one of `commands` only once `then()` has resolved.
 * With `then` a barrier of all callers, every caller's read has been answered before any caller writes.
 * `'exec'` holds the reply of a MULTI built on this client (its EXEC), since a transaction's commands
 * are not methods of the client. The server stays real: only when the caller hears the answer changes.
 */
export function holdReplies(redis: Redis, commands: readonly string[], then: () => Promise<void>): Redis {
  const held =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const reply = await call(...args);
      await then();
      return reply;
    };
  return new Proxy(redis, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property === 'multi' && commands.includes('exec') && typeof value === 'function') {
        return (...args: unknown[]) => {
          const multi = (value as (...a: unknown[]) => ReturnType<Redis['multi']>).apply(target, args);
          multi.exec = held(multi.exec.bind(multi)) as typeof multi.exec;
          return multi;
        };
      }
      if (typeof property !== 'string' || !commands.includes(property) || typeof value !== 'function') return value;
      return held((...args: unknown[]) => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
    },
  });
}

/** Redis's own clock (TIME), in ms since the epoch: what its expiries are measured against. */
export async function serverNowMs(redis: Redis): Promise<number> {
  const [seconds, micros] = (await redis.time()).map(Number) as [number, number];
  return seconds * 1_000 + Math.floor(micros / 1_000);
}
