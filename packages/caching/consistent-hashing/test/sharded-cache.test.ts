// A cache sharded over 3 real Redis servers (private, one each), with one removed live: the server is
// killed and dropped from the sharder. With the ring only the keys it owned miss afterwards (counted at
// the loader); with hash mod n most keys change server and miss.
import { privateRedis, redisClient } from '@poc/harness';
import type { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { hashRing, jumpHash, sampleKeys, shardedCache, type Sharder } from '../src/index.ts';
import { moduloHash } from '../src/naive.ts';

const NODES = ['cache-a', 'cache-b', 'cache-c'];
const keys = sampleKeys(3_000);

/** Three private servers and their clients, closed when the test ends. */
async function threeServers() {
  const servers = await Promise.all(NODES.map(() => privateRedis()));
  for (const s of servers) onTestFinished(() => s.close());
  const shards: Record<string, Redis> = {};
  NODES.forEach((node, i) => {
    const client = redisClient(servers[i]!.url);
    client.on('error', () => {});
    onTestFinished(() => void client.disconnect());
    shards[node] = client;
  });
  return { servers, shards };
}

function countingLoader() {
  const loads: string[] = [];
  return { loads, loader: async (key: string) => (loads.push(key), { key, v: key.length }) };
}

async function readAll(cache: { get(k: string): Promise<unknown> }): Promise<void> {
  for (let i = 0; i < keys.length; i += 100) await Promise.all(keys.slice(i, i + 100).map((k) => cache.get(k)));
}

/** Warms all keys, kills the middle server, drops it from the sharder and reads every key again. */
async function removeLive(sharder: Sharder, removed = 'cache-b') {
  const { servers, shards } = await threeServers();
  const { loads, loader } = countingLoader();
  const cache = shardedCache(loader, { shards, sharder, ttlMs: 600_000 });
  await readAll(cache);
  expect(loads.length).toBe(keys.length); // every key loaded once, on its server
  const ownedByRemoved = keys.filter((k) => cache.nodeFor(k) === removed);
  for (const [i, node] of NODES.entries()) {
    expect(await shards[node]!.dbsize()).toBe(keys.filter((k) => cache.nodeFor(k) === node).length);
    if (node === removed) await servers[i]!.kill();
  }
  cache.removeNode(removed);
  loads.length = 0;
  const before = cache.stats();
  await readAll(cache);
  const after = cache.stats();
  return { ownedByRemoved, reloaded: [...loads], misses: after.misses - before.misses, hits: after.hits - before.hits };
}

describe('a cache sharded over 3 Redis servers, one removed live', () => {
  it('with the ring, only the removed server’s keys miss; every other key still hits', async () => {
    const r = await removeLive(hashRing(NODES));
    expect(r.ownedByRemoved.length).toBeGreaterThan(700);
    expect(r.reloaded.sort()).toEqual([...r.ownedByRemoved].sort());
    expect(r.hits).toBe(keys.length - r.ownedByRemoved.length);
  });

  it('break it: with hash mod n most keys change server and miss, far more than the removed server held', async () => {
    const r = await removeLive(moduloHash(NODES));
    expect(r.misses).toBeGreaterThan(0.6 * keys.length);
    expect(r.misses).toBeGreaterThan(1.5 * r.ownedByRemoved.length);
    expect(r.reloaded).toEqual(expect.arrayContaining(r.ownedByRemoved));
  });

  it('with jump hash, dropping the last server misses only its keys', async () => {
    const r = await removeLive(jumpHash(NODES), 'cache-c');
    expect(r.reloaded.sort()).toEqual([...r.ownedByRemoved].sort());
    expect(r.hits).toBe(keys.length - r.ownedByRemoved.length);
  });
});
