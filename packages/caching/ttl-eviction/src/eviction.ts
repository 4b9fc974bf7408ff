// Redis under memory pressure: with maxmemory set, the maxmemory-policy decides what goes when a
// write needs room. allkeys-lru evicts the least recently used key (sampled, with an LRU clock of
// one-second resolution), allkeys-lfu the least frequently used (a logarithmic counter that decays),
// volatile-ttl the key with a TTL closest to expiring, and noeviction refuses the write with an
// OOM error instead. These helpers set a policy and replay one trace so the policies compare on
// the same reads.
import type { Redis } from 'ioredis';
import { check, redisCall } from './errors.ts';

export const EVICTION_POLICIES = ['allkeys-lru', 'allkeys-lfu', 'volatile-ttl', 'noeviction'] as const;
export type EvictionPolicy = (typeof EVICTION_POLICIES)[number];

/** Sets maxmemory and the policy on a server of your own (CONFIG SET: never on a shared server). */
export async function setMemoryPolicy(redis: Redis, maxmemory: string, policy: EvictionPolicy): Promise<void> {
  check.oneOf('policy', policy, EVICTION_POLICIES);
  check.that(/^\d+(kb|mb|gb)?$/i.test(maxmemory), 'maxmemory', 'must be a size such as "2mb"', maxmemory);
  await redisCall(`setting maxmemory ${maxmemory} ${policy}`, async () => {
    await redis.config('SET', 'maxmemory', maxmemory);
    await redis.config('SET', 'maxmemory-policy', policy);
  });
}

export interface TraceResult {
  reads: number;
  hits: number;
  misses: number;
  /** Writes the server refused for lack of memory (noeviction): the value was served but not cached. */
  refused: number;
  /** Keys the server evicted during the replay (INFO stats evicted_keys). */
  evicted: number;
  hitRatio: number;
}

/** Evictions so far on this server (INFO stats). */
export async function evictedKeys(redis: Redis): Promise<number> {
  const info = await redisCall('reading INFO stats', () => redis.info('stats'));
  return Number(/^evicted_keys:(\d+)/m.exec(info)?.[1] ?? 0);
}

/**
 * Replays a trace of key indexes as cache-aside reads (GET; on a miss SET with a TTL): a refused SET
 * (OOM under noeviction) is counted and the read still served, as a cache should. Values are
 * `valueBytes` long; each key's TTL is `ttlMs(index)` so volatile-ttl has something to choose by.
 */
export async function replayTrace(
  redis: Redis,
  trace: readonly number[],
  options: { prefix: string; valueBytes: number; ttlMs: (index: number) => number },
): Promise<TraceResult> {
  const value = 'v'.repeat(options.valueBytes);
  const before = await evictedKeys(redis);
  let hits = 0;
  let refused = 0;
  for (const index of trace) {
    const key = `${options.prefix}${index}`;
    if ((await redisCall(`reading "${key}"`, () => redis.get(key))) !== null) {
      hits++;
      continue;
    }
    try {
      await redis.set(key, value, 'PX', options.ttlMs(index));
    } catch (e) {
      if (!(e instanceof Error && e.message.startsWith('OOM'))) throw e;
      refused++;
    }
  }
  const evicted = (await evictedKeys(redis)) - before;
  return { reads: trace.length, hits, misses: trace.length - hits, refused, evicted, hitRatio: hits / trace.length };
}
