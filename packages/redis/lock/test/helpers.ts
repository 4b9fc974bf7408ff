import { privateRedis, redisClient } from '@poc/harness';
import type { Redis } from 'ioredis';
import { onTestFinished } from 'vitest';

/** A Redis server of the test's own (for kills, restarts and server-wide commands) and a client, closed when the test ends. */
export async function serverWithClient(config?: Array<[string, string]>) {
  const server = await privateRedis(config ? { config } : {});
  onTestFinished(() => server.close());
  const client = redisClient(server.url);
  client.on('error', () => {}); // connection errors while the server is down are expected; commands report them
  onTestFinished(() => void client.disconnect());
  return { server, client };
}

/**
 * The critical section every contention test and the bench run: read a counter, make one more real
 * round trip (work that takes time, as real work does), write the counter + 1. Without mutual
 * exclusion, two workers read the same value and one increment is lost.
 */
export async function increment(redis: Redis, key: string): Promise<void> {
  const current = Number((await redis.get(key)) ?? '0');
  await redis.ping();
  await redis.set(key, String(current + 1));
}

/** A promise with its resolve function, for "the work has started" handshakes. */
export function signalled<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Work that runs until its signal aborts, then rejects with the signal's reason. */
export const untilAborted = (signal: AbortSignal): Promise<never> =>
  new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
