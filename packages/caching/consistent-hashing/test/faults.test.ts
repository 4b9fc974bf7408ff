// When a shard dies before it is removed: a private server per test, registered for cleanup first.
// A read of a key it owns fails with a ServiceError naming the node (surfaced, not swallowed); keys on
// the other servers are still served.
import { privateRedis, redisClient } from '@poc/harness';
import type { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { hashRing, isConsistentHashingError, sampleKeys, shardedCache } from '../src/index.ts';

describe('when a shard dies (private servers)', () => {
  it('surfaces a ServiceError naming the node for its keys, serves the others, and recovers once it is removed', async () => {
    const nodes = ['cache-a', 'cache-b'];
    const servers = await Promise.all(nodes.map(() => privateRedis()));
    for (const s of servers) onTestFinished(() => s.close());
    const shards: Record<string, Redis> = {};
    nodes.forEach((n, i) => {
      const c = redisClient(servers[i]!.url);
      c.on('error', () => {});
      onTestFinished(() => void c.disconnect());
      shards[n] = c;
    });
    const cache = shardedCache(async (k) => k.toUpperCase(), { shards, sharder: hashRing(nodes), ttlMs: 60_000 });
    const keys = sampleKeys(50);
    const onB = keys.find((k) => cache.nodeFor(k) === 'cache-b')!;
    const onA = keys.find((k) => cache.nodeFor(k) === 'cache-a')!;
    await cache.get(onA);

    await servers[1]!.kill();
    const err = await cache.get(onB).catch((e: unknown) => e);
    expect(isConsistentHashingError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(new RegExp(`^reading "${onB}" on cache-b failed: `));
    expect(await cache.get(onA)).toBe(onA.toUpperCase());

    cache.removeNode('cache-b');
    expect(await cache.get(onB)).toBe(onB.toUpperCase());
    expect(await shards['cache-a']!.get(onB)).toBe(JSON.stringify(onB.toUpperCase()));
  });
});
