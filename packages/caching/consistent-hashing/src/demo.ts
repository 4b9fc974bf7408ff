// pnpm --filter poc-caching-consistent-hashing demo: keys moved when a 4th node joins 3 (ring, jump,
// modulo), load spread against virtual nodes, then a cache sharded over 3 private Redis servers with
// one killed and removed live, reads counted as hits and misses.
import { privateRedis, redisClient, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import type { Redis } from 'ioredis';
import { hashRing, jumpHash, keysMoved, loadSpread, sampleKeys, shardedCache } from './index.ts';
import { moduloHash } from './naive.ts';

const say = (line = ''): void => console.log(line);
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

runMain(async () => {
  const redis = await serverFor('redis');
  say(`Consistent hashing demo: redis ${redis.version} (${redis.provider}), 3 private servers for the shards`);
  const nodes = ['cache-a', 'cache-b', 'cache-c'];
  const keys = sampleKeys(100_000);
  say(`1. ${keys.length} keys, a 4th node added to 3 (ideal: 1/4 = 25.0% move):`);
  for (const s of [hashRing(nodes), jumpHash(nodes), moduloHash(nodes)]) {
    const { moved, total } = keysMoved(s, s.withNode('cache-d'), keys);
    say(`   ${s.kind.padEnd(17)} moved ${pct(moved / total)}`);
  }
  const ten = Array.from({ length: 10 }, (_, i) => `node-${i}`);
  say('2. load spread over 10 nodes (max ÷ mean, stddev ÷ mean):');
  for (const s of [1, 10, 100, 1_000].map((v) => hashRing(ten, { vnodes: v })).concat(jumpHash(ten))) {
    const l = loadSpread(s, keys);
    say(`   ${s.kind.padEnd(17)} ${l.maxOverMean.toFixed(3)}  ${l.stddevOverMean.toFixed(3)}`);
  }

  say('3. 3,000 keys cached over 3 Redis servers; cache-b killed and removed; every key read again:');
  for (const sharder of [hashRing(nodes), moduloHash(nodes)]) {
    const servers = await Promise.all(nodes.map(() => privateRedis()));
    const shards: Record<string, Redis> = {};
    nodes.forEach((n, i) => {
      shards[n] = redisClient(servers[i]!.url);
      shards[n].on('error', () => {});
    });
    try {
      const cache = shardedCache(async (k) => k, { shards, sharder, ttlMs: 600_000 });
      const sample = sampleKeys(3_000);
      for (const k of sample) await cache.get(k);
      const owned = sample.filter((k) => cache.nodeFor(k) === 'cache-b').length;
      await servers[1]!.kill();
      cache.removeNode('cache-b');
      const before = cache.stats();
      for (const k of sample) await cache.get(k);
      const after = cache.stats();
      say(
        `   ${sharder.kind.padEnd(17)} cache-b held ${owned}; afterwards ${after.hits - before.hits} hits, ${after.misses - before.misses} misses`,
      );
    } finally {
      for (const c of Object.values(shards)) c.disconnect();
      await Promise.all(servers.map((s) => s.close()));
    }
  }
});
