// Redis maxmemory policies on a private server under memory pressure: which keys survive, and the
// hit ratio of each policy on the same Zipfian trace. CONFIG SET only on a server of our own.
import { eventually, privateRedis, redisClient } from '@poc/harness';
import type { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  EVICTION_POLICIES,
  evictedKeys,
  replayTrace,
  seededRandom,
  setMemoryPolicy,
  zipfTrace,
  type EvictionPolicy,
} from '../src/index.ts';

const VALUE = 'v'.repeat(1_000);
const MAXMEMORY = '4mb';

async function serverWith(policy: EvictionPolicy): Promise<Redis> {
  const server = await privateRedis({ config: [['maxmemory-samples', '10']] });
  onTestFinished(() => server.close());
  const redis = redisClient(server.url);
  onTestFinished(() => void redis.disconnect());
  await setMemoryPolicy(redis, MAXMEMORY, policy);
  return redis;
}

/** Writes keys `<prefix>0..n-1` until one is refused or all are in; returns how many were written. */
async function fill(redis: Redis, prefix: string, n: number, ttlMs?: (i: number) => number): Promise<number> {
  for (let i = 0; i < n; i++) {
    try {
      if (ttlMs) await redis.set(`${prefix}${i}`, VALUE, 'PX', ttlMs(i));
      else await redis.set(`${prefix}${i}`, VALUE);
    } catch (e) {
      if (e instanceof Error && e.message.startsWith('OOM')) return i;
      throw e;
    }
  }
  return n;
}

async function surviving(redis: Redis, prefix: string, n: number): Promise<number> {
  const keys = Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  return redis.exists(...keys);
}

describe('maxmemory policies under memory pressure (private Redis, 4 MB)', () => {
  it('allkeys-lru keeps the keys read since the others went idle, and evicts the idle ones', async () => {
    const redis = await serverWith('allkeys-lru');
    expect(await fill(redis, 'hot:', 50)).toBe(50);
    expect(await fill(redis, 'old:', 2_500)).toBe(2_500);
    // Redis's LRU clock ticks once a second: wait (on the server's own idle time) until the old keys look idle.
    await eventually(async () => expect(await redis.object('IDLETIME', 'old:0')).toBeGreaterThanOrEqual(2), {
      timeoutMs: 10_000,
      what: 'old keys idle for 2 s',
    });
    for (let i = 0; i < 50; i++) await redis.get(`hot:${i}`);
    await fill(redis, 'new:', 1_500);
    const evicted = await evictedKeys(redis);
    expect(evicted).toBeGreaterThan(500);
    expect(await surviving(redis, 'hot:', 50)).toBe(50);
    // Nearly every eviction took an idle key; the few others took new keys (as young as the hot ones, never a hot one here).
    expect(2_500 - (await surviving(redis, 'old:', 2_500))).toBeGreaterThanOrEqual(0.9 * evicted);
  });

  it('allkeys-lfu keeps the frequently read keys, and evicts the ones read once', async () => {
    const redis = await serverWith('allkeys-lfu');
    expect(await fill(redis, 'hot:', 50)).toBe(50);
    for (let round = 0; round < 20; round++) for (let i = 0; i < 50; i++) await redis.get(`hot:${i}`);
    await fill(redis, 'cold:', 6_000);
    expect(await evictedKeys(redis)).toBeGreaterThan(2_000);
    expect(await surviving(redis, 'hot:', 50)).toBe(50);
  });

  it('volatile-ttl evicts the keys closest to expiring first, and never a key without a TTL', async () => {
    const redis = await serverWith('volatile-ttl');
    expect(await fill(redis, 'forever:', 200)).toBe(200);
    expect(await fill(redis, 'long:', 1_000, () => 3_600_000)).toBe(1_000);
    await fill(redis, 'short:', 3_000, () => 600_000);
    expect(await evictedKeys(redis)).toBeGreaterThan(500);
    expect(await surviving(redis, 'forever:', 200)).toBe(200);
    // Every eviction took a short-TTL key (the soonest to expire): the long-TTL keys are all there.
    expect(await surviving(redis, 'long:', 1_000)).toBe(1_000);
    expect(await surviving(redis, 'short:', 3_000)).toBeLessThan(3_000);
  });

  it('noeviction refuses writes with an OOM error once full, and keeps every key it accepted', async () => {
    const redis = await serverWith('noeviction');
    const accepted = await fill(redis, 'k:', 10_000);
    expect(accepted).toBeLessThan(10_000);
    const err = await redis.set('one-more', VALUE).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^OOM command not allowed when used memory > 'maxmemory'/);
    expect(await surviving(redis, 'k:', accepted)).toBe(accepted);
    expect(await evictedKeys(redis)).toBe(0);
    expect(await redis.get('k:0')).toBe(VALUE); // reads still work
  });

  it.each(EVICTION_POLICIES)(
    'replays the same Zipfian trace under %s: evicts (or refuses) and still serves every read',
    async (policy) => {
      const trace = zipfTrace({ keys: 20_000, length: 15_000, s: 1, seed: 11 });
      const redis = await serverWith(policy);
      const ttl = seededRandom(3);
      const r = await replayTrace(redis, trace, {
        prefix: 'z:',
        valueBytes: 1_000,
        ttlMs: () => 600_000 + Math.floor(ttl() * 60_000),
      });
      expect(r.hits + r.misses).toBe(trace.length);
      expect(r.hits).toBe(trace.length - r.misses);
      expect(r.hitRatio).toBeGreaterThan(0);
      if (policy === 'noeviction') {
        expect(r.refused).toBeGreaterThan(0); // the cache stops learning new keys once full
        expect(r.evicted).toBe(0);
      } else {
        expect(r.evicted).toBeGreaterThan(0);
        expect(r.refused).toBe(0);
      }
    },
  );
});
