// pnpm --filter poc-caching-consistent-hashing bench
// 1. Lookup cost: nodeFor() of 10 nodes, one caller, ring (160 vnodes) and jump hash ÷ hash mod n.
// 2. A cache sharded over 3 private Redis servers (no persistence): all keys warmed, one server
//    removed from the sharder, every key read again. The figure is the hit ratio (%) of that re-read;
//    ratio = strategy ÷ modulo. Fresh (flushed) servers every round.
// 3. Facts: keys moved when a 4th node joins 3, and load spread (stddev ÷ mean) against vnodes.
// No peer ring library is installed in the repo, so the comparison is ring vs jump vs modulo.
import { benchReport, compareRounds, compareThroughput, privateRedis, redisClient } from '@poc/harness';
import { runMain } from '@poc/kit';
import type { Redis } from 'ioredis';
import { hashRing, jumpHash, keysMoved, loadSpread, sampleKeys, shardedCache, type Sharder } from '../src/index.ts';
import { moduloHash } from '../src/naive.ts';

const NODES = ['cache-a', 'cache-b', 'cache-c'];
const TEN = Array.from({ length: 10 }, (_, i) => `node-${i}`);
const MOVE_KEYS = 100_000;
const CACHE_KEYS = 5_000;
const VNODES = [1, 10, 100, 160, 1_000];
const ROUNDS = 5;
const TIME_MS = 500;

runMain(async () => {
  const servers = await Promise.all(NODES.map(() => privateRedis()));
  const shards: Record<string, Redis> = {};
  NODES.forEach((n, i) => (shards[n] = redisClient(servers[i]!.url)));
  try {
    const report = benchReport({
      parameters: {
        lookupNodes: TEN.length,
        ringVnodes: 160,
        hash: 'FNV-1a 32-bit + murmur3 finaliser (ring, modulo); two of them as the 64-bit jump key',
        movedKeys: `${MOVE_KEYS} keys "user:<i>", 3 → 4 nodes`,
        spread: `${MOVE_KEYS} keys over ${TEN.length} nodes, vnodes ${VNODES.join(', ')}`,
        shardedCache: `${CACHE_KEYS} keys over 3 private Redis servers (no persistence), all warmed, one removed from the sharder (cache-b; jump drops cache-c, its last bucket), all read again`,
        rounds: ROUNDS,
        msPerVariantPerRound: TIME_MS,
      },
      services: ['redis'],
    });

    const keys = sampleKeys(MOVE_KEYS);
    let i = 0;
    const ring10 = hashRing(TEN);
    const jump10 = jumpHash(TEN);
    const mod10 = moduloHash(TEN);
    report.add(
      await compareThroughput({
        id: 'lookup',
        title: `nodeFor(key) over ${TEN.length} nodes, one caller`,
        variants: {
          modulo: () => void mod10.nodeFor(keys[i++ % MOVE_KEYS]!),
          ring: () => void ring10.nodeFor(keys[i++ % MOVE_KEYS]!),
          jump: () => void jump10.nodeFor(keys[i++ % MOVE_KEYS]!),
        },
        rounds: ROUNDS,
        timeMs: TIME_MS,
      }),
    );

    const cacheKeys = sampleKeys(CACHE_KEYS, 'item:');
    const afterRemoval = (sharder: Sharder, removed: string) => async (): Promise<number> => {
      await Promise.all(Object.values(shards).map((c) => c.flushall())); // our own private servers
      const cache = shardedCache(async (k) => ({ k }), { shards, sharder, ttlMs: 600_000 });
      for (let j = 0; j < CACHE_KEYS; j += 100) await Promise.all(cacheKeys.slice(j, j + 100).map((k) => cache.get(k)));
      cache.removeNode(removed);
      const before = cache.stats();
      for (let j = 0; j < CACHE_KEYS; j += 100) await Promise.all(cacheKeys.slice(j, j + 100).map((k) => cache.get(k)));
      const after = cache.stats();
      return (100 * (after.hits - before.hits)) / CACHE_KEYS;
    };
    report.add(
      await compareRounds({
        id: 'hits-after-removal',
        title: `Hit ratio of every key read again after one of 3 Redis shards is removed (${CACHE_KEYS} keys)`,
        unit: '% hits',
        variants: {
          modulo: afterRemoval(moduloHash(NODES), 'cache-b'),
          ring: afterRemoval(hashRing(NODES), 'cache-b'),
          jump: afterRemoval(jumpHash(NODES), 'cache-c'),
        },
        rounds: ROUNDS,
      }),
    );

    for (const s of [hashRing(NODES), jumpHash(NODES), moduloHash(NODES)]) {
      const { moved, total } = keysMoved(s, s.withNode('cache-d'), keys);
      report.add({
        id: `moved-${s.kind.startsWith('ring') ? 'ring' : s.kind}`,
        title: `Keys moved when a 4th node joins 3, ${s.kind} (ideal 25%)`,
        value: Math.round(1000 * (moved / total)) / 10,
        unit: '%',
      });
    }
    for (const s of [...VNODES.map((v) => hashRing(TEN, { vnodes: v })), jumpHash(TEN)]) {
      const l = loadSpread(s, keys);
      report.add({
        id: `spread-${s.kind.replace(/[^a-z0-9]+/g, '-').replace(/-$/, '')}`,
        title: `Load spread over ${TEN.length} nodes, ${s.kind}: stddev ÷ mean (max ÷ mean ${l.maxOverMean.toFixed(3)})`,
        value: Math.round(1000 * l.stddevOverMean) / 1000,
        unit: 'stddev/mean',
      });
    }

    await report.finish(
      "This POC's own claim: consistent hashing keeps a sharded cache's hits when a server goes. " +
        'After one of 3 Redis shards is removed, hit ratio ÷ hash mod n: ring {ratio:hits-after-removal/ring}, ' +
        'jump {ratio:hits-after-removal/jump}; a 4th node moves {fact:moved-ring} of keys on the ring, {fact:moved-jump} with jump, ' +
        '{fact:moved-modulo} with mod n. Load spread (stddev ÷ mean, 10 nodes): 1 vnode {fact:spread-ring-1-vnodes}, ' +
        '160 {fact:spread-ring-160-vnodes}, jump {fact:spread-jump}. Lookup cost ÷ mod n: ring {ratio:lookup/ring}, jump {ratio:lookup/jump}.',
    );
  } finally {
    for (const c of Object.values(shards)) c.disconnect();
    await Promise.all(servers.map((s) => s.close()));
  }
});
