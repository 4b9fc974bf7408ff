import { faultyLink, redisClient, redisNamespace, type FaultyLink, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { onTestFinished } from 'vitest';
import type { JobQueue, QueueWorker } from '../src/index.ts';

/** A fresh key prefix for one test, deleted (with its clients) when the test ends. */
export async function namespace(): Promise<{ ns: RedisNamespace; redis: Redis }> {
  const ns = await redisNamespace({ name: 'jq' });
  onTestFinished(() => ns.close());
  return { ns, redis: ns.client() };
}

/** Closes the worker when the test ends, pass or fail (registered before the close of the namespace runs). */
export function closeAtEnd<W extends QueueWorker | { close(): Promise<void> }>(worker: W): W {
  onTestFinished(() => worker.close());
  return worker;
}

/** How many times each value occurs. */
export const tally = (values: readonly string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
};

/** Every key of the namespace (SCAN on its prefix: ioredis's keyPrefix does not apply to patterns). */
export async function keysOf(ns: RedisNamespace, redis: Redis): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${ns.prefix}*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/**
 * A client of the namespace whose connection goes through a faultyLink, so a test can lose the next
 * reply. With `blockingDirect`, the blocking connections a worker opens (redis.duplicate()) bypass
 * the link: then the next reply through it is one of the worker's scripts, not its BLMOVE.
 */
export async function clientThroughLink(
  ns: RedisNamespace,
  options: { blockingDirect?: boolean } = {},
): Promise<{ link: FaultyLink; client: Redis }> {
  const link = await faultyLink(new URL(ns.url).host);
  onTestFinished(() => link.close());
  const client = redisClient(link.via(ns.url), { keyPrefix: ns.prefix });
  client.on('error', () => {}); // the resets are the point; commands report what they lose
  onTestFinished(() => void client.disconnect());
  if (options.blockingDirect) client.duplicate = (override = {}) => ns.client(override);
  return { link, client };
}

/** Redis's own clock, in ms. */
export async function serverNow(redis: Redis): Promise<number> {
  const [s, us] = await redis.time();
  return Number(s) * 1_000 + Math.floor(Number(us) / 1_000);
}

/**
 * Jobs the queue can no longer find: stored, but in neither the ready list, the delayed set, nor the
 * processing list of a registered worker (the only lists the reaper sweeps). Always [] on a sound queue.
 */
export async function untracked(queue: JobQueue<unknown>, redis: Redis, keyPrefix = ''): Promise<string[]> {
  const where = new Set([
    ...(await redis.lrange(queue.keys.ready, 0, -1)),
    ...(await redis.zrange(queue.keys.delayed, 0, -1)),
  ]);
  for (const list of await redis.zrange(queue.keys.workers, 0, -1)) {
    for (const id of await redis.lrange(list.slice(keyPrefix.length), 0, -1)) where.add(id);
  }
  return (await redis.hkeys(queue.keys.jobs)).filter((id) => !where.has(id));
}
