// The LRU against its peer library (lru-cache) over long random traces, the scan that pollutes it, and
// Redis's approximate LRU (allkeys-lru on a private server) on the same traces.
import { privateRedis, redisClient, redisNamespace, type RedisNamespace } from '@poc/harness';
import { LRUCache } from 'lru-cache';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { cachedLoader, lru, redisTrace, replay, scanTrace, seededRandom, zipfTrace, type Cache } from '../src/index.ts';
import { naiveLru } from '../src/naive.ts';

let redisNs: RedisNamespace;
beforeAll(async () => {
  redisNs = await redisNamespace({ name: 'lru' });
});
afterAll(() => redisNs?.close());

/** lru-cache behind the same interface, configured as its docs advise for a count-bounded cache. */
function peer(capacity: number, evicted: number[]): Cache<number, number> {
  const c = new LRUCache<number, number>({
    max: capacity,
    dispose: (_v, k, reason) => {
      if (reason === 'evict') evicted.push(k);
    },
  });
  return {
    capacity,
    get size() {
      return c.size;
    },
    get: (k) => c.get(k),
    set: (k, v) => void c.set(k, v),
    has: (k) => c.has(k),
    delete: (k) => c.delete(k),
    keys: () => [...c.keys()],
  };
}

/** 10^5 random gets, sets and deletes over 3x the capacity's keys, some keys hotter than others. */
function randomOps(seed: number, length: number, keySpace: number): Array<['get' | 'set' | 'delete', number]> {
  const random = seededRandom(seed);
  return Array.from({ length }, () => {
    const r = random();
    const key = Math.floor(Math.pow(random(), 2) * keySpace); // skewed to low ids
    return [r < 0.6 ? 'get' : r < 0.95 ? 'set' : 'delete', key];
  });
}

describe('the O(1) LRU', () => {
  it.each([1, 7, 100, 1_000])(
    'makes the same hits, misses and evictions as lru-cache over 10^5 random operations (capacity %i)',
    (capacity) => {
      const evictedPattern: number[] = [];
      const evictedPeer: number[] = [];
      const evictedNaive: number[] = [];
      const pattern = lru<number, number>({ capacity, onEvict: (k) => evictedPattern.push(k) });
      const naive = naiveLru<number, number>({ capacity, onEvict: (k) => evictedNaive.push(k) });
      const library = peer(capacity, evictedPeer);
      const ops = randomOps(capacity, 100_000, capacity * 3);
      let hits = 0;
      ops.forEach(([op, key], i) => {
        if (op === 'get') {
          const got = pattern.get(key);
          expect(got, `get #${i} of ${key}`).toBe(library.get(key));
          expect(naive.get(key)).toBe(got);
          if (got !== undefined) hits++;
        } else if (op === 'set') {
          pattern.set(key, i);
          library.set(key, i);
          naive.set(key, i);
        } else {
          const deleted = pattern.delete(key);
          expect(deleted).toBe(library.delete(key));
          expect(naive.delete(key)).toBe(deleted);
        }
        expect(pattern.size).toBe(library.size);
      });
      expect(evictedPattern).toEqual(evictedPeer);
      expect(evictedNaive).toEqual(evictedPeer);
      expect(pattern.keys()).toEqual(library.keys());
      expect(pattern.keys()).toEqual(naive.keys());
      // The trace really exercised both outcomes and the eviction path.
      expect(hits).toBeGreaterThan(1_000);
      expect(evictedPeer.length).toBeGreaterThan(1_000);
    },
  );

  it('gives the same hit ratio as lru-cache on a Zipfian trace', () => {
    const trace = zipfTrace({ keys: 10_000, length: 100_000, skew: 0.9, seed: 3 });
    const mine = replay(lru({ capacity: 500 }), trace);
    const theirs = replay(peer(500, []), trace);
    expect(mine).toEqual(theirs);
    expect(mine.ratio).toBeGreaterThan(0.3);
  });

  it('break it: a one-off scan of cold keys evicts the whole hot set, and the hit ratio collapses', () => {
    const CAPACITY = 1_000;
    const cache = lru<number, number>({ capacity: CAPACITY });
    const hot = zipfTrace({ keys: 500, length: 20_000, seed: 5 }); // a hot set that fits
    replay(cache, hot); // warm
    const before = replay(cache, hot);
    expect(before.ratio).toBe(1); // every hot key stays cached
    replay(cache, scanTrace(10_000, 2 * CAPACITY)); // a report reads 2,000 keys once
    const afterScan = replay(cache, scanTrace(0, 500)); // the next read of each hot key
    expect(afterScan.hits).toBe(0); // all 500 hot keys were evicted by keys that are never read again
    expect(cache.keys().every((k) => k >= 10_000 || k < 500)).toBe(true);
  });

  it('wraps a loader: a miss loads once and stores, a hit does not load, a failed load is not cached', async () => {
    let loads = 0;
    let fail = true;
    const loader = async (key: string): Promise<string> => {
      loads++;
      if (key === 'bad' && fail) throw new Error('db down');
      return key.toUpperCase();
    };
    const cached = cachedLoader(loader, { cache: lru<string, string>({ capacity: 2 }) });
    expect(await cached.get('a')).toBe('A');
    expect(await cached.get('a')).toBe('A');
    expect(loads).toBe(1);
    await expect(cached.get('bad')).rejects.toThrow('db down');
    fail = false;
    expect(await cached.get('bad')).toBe('BAD');
    expect(loads).toBe(3);
    expect(cached.stats).toEqual({ hits: 1, loads: 3 });
    const aborted = AbortSignal.abort();
    await expect(cached.get('c', { signal: aborted })).rejects.toThrow();
    expect(loads).toBe(3);
  });
});

describe("Redis's approximate LRU (allkeys-lru on a private server)", () => {
  it('counts hits from the server on the shared Redis: a repeated key hits, a new one misses', async () => {
    const trace = redisTrace(redisNs.client(), { prefix: 't:' });
    expect(await trace.replay([1, 2, 1, 1, 3, 2])).toEqual({ hits: 3, misses: 3, ratio: 0.5 });
    expect(await trace.resident()).toBe(3);
  });

  it('evicts under maxmemory, and a scan pollutes it as it does the exact LRU', async () => {
    const server = await privateRedis({
      config: [
        ['maxmemory', '4mb'],
        ['maxmemory-policy', 'allkeys-lru'],
      ],
    });
    onTestFinished(() => server.close());
    const redis = redisClient(server.url);
    onTestFinished(() => void redis.disconnect());
    const trace = redisTrace(redis, { prefix: 'k:', valueBytes: 1_000 });
    // Fill past maxmemory: how many 1 kB keys fit is the cache's capacity.
    await trace.replay(scanTrace(100_000, 10_000));
    const capacity = await trace.resident();
    expect(capacity).toBeGreaterThan(500);
    expect(capacity).toBeLessThan(10_000);
    const hot = scanTrace(0, Math.floor(capacity / 4));
    await trace.replay(hot);
    await trace.replay(hot);
    const before = await trace.replay(hot);
    // Not 1: Redis's LRU clock ticks once a second, so keys touched within the same second look equally
    // old to the sampler and a few hot keys go by chance.
    expect(before.ratio).toBeGreaterThan(0.9);
    await trace.replay(scanTrace(200_000, 4 * capacity)); // the one-off scan
    const after = await trace.replay(hot);
    // Sampling keeps a few hot keys by luck, never most of them.
    expect(after.ratio).toBeLessThan(0.2);
    const stats = await redis.info('stats');
    expect(Number(/^evicted_keys:(\d+)/m.exec(stats)?.[1])).toBeGreaterThan(4 * capacity);
  });
});
