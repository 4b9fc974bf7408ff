// The policies on seeded traces: LFU with aging against a reference model over 10^5 random operations,
// the count-min sketch's guarantee, the stale-popularity failure of LFU without aging, W-TinyLFU keeping
// the hot set through a scan where LRU (lru-cache) loses it, and Redis's allkeys-lfu vs allkeys-lru on
// the same trace (private servers).
import { privateRedis, redisClient } from '@poc/harness';
import { LRUCache } from 'lru-cache';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  cachedLoader,
  countMinSketch,
  lfu,
  loopTrace,
  redisTrace,
  replay,
  scanHeavyTrace,
  scanTrace,
  seededRandom,
  wTinyLfu,
  zipfTrace,
} from '../src/index.ts';
import { naiveLfu } from '../src/naive.ts';

/** The LFU rule written the slow, obvious way: evict the lowest (count, last access); halve every N ops. */
function referenceLfu(capacity: number, halveEvery: number) {
  const entries = new Map<number, { value: number; count: number; last: number }>();
  let ops = 0;
  const tick = (): void => {
    ops++;
    if (ops % halveEvery === 0) for (const e of entries.values()) e.count = Math.max(1, e.count >> 1);
  };
  return {
    get(key: number): number | undefined {
      const e = entries.get(key);
      if (e) {
        e.count++;
        e.last = ops;
      }
      tick();
      return e?.value;
    },
    set(key: number, value: number): void {
      const e = entries.get(key);
      if (e) {
        e.value = value;
        e.count++;
        e.last = ops;
      } else {
        if (entries.size >= capacity) {
          let victim: [number, { count: number; last: number }] | undefined;
          for (const kv of entries) {
            if (
              !victim ||
              kv[1].count < victim[1].count ||
              (kv[1].count === victim[1].count && kv[1].last < victim[1].last)
            )
              victim = kv;
          }
          entries.delete(victim![0]);
        }
        entries.set(key, { value, count: 1, last: ops });
      }
      tick();
    },
    delete: (key: number): boolean => entries.delete(key),
    keys: (): number[] => [...entries.keys()].sort((a, b) => a - b),
  };
}

const lruCache = (capacity: number) => new LRUCache<number, number>({ max: capacity });

describe('LFU with aging', () => {
  it.each([
    [1, 10],
    [10, 100],
    [100, 1_000],
    [100, 7],
  ])(
    'evicts exactly as the reference model over 10^5 random operations (capacity %i, halve every %i)',
    (capacity, halveEvery) => {
      const subject = lfu<number, number>({ capacity, halveEvery });
      const model = referenceLfu(capacity, halveEvery);
      const random = seededRandom(capacity * 31 + halveEvery);
      let hits = 0;
      for (let i = 0; i < 100_000; i++) {
        const r = random();
        const key = Math.floor(Math.pow(random(), 2) * capacity * 3);
        if (r < 0.6) {
          const got = subject.get(key);
          if (got !== model.get(key)) expect.fail(`get #${i} of ${key}: ${got} vs the model's`);
          if (got !== undefined) hits++;
        } else if (r < 0.95) {
          subject.set(key, i);
          model.set(key, i);
        } else if (subject.delete(key) !== model.delete(key)) expect.fail(`delete #${i} of ${key} differs`);
      }
      const resident = model.keys();
      expect(resident.filter((k) => subject.has(k))).toEqual(resident);
      expect(subject.size).toBe(resident.length);
      expect(hits).toBeGreaterThan(1_000);
    },
  );

  it('break it: without aging, an old hot set keeps its counts and the new hot set never settles', () => {
    const before = zipfTrace({ keys: 500, length: 50_000, seed: 2 }); // yesterday's popular keys
    const after = zipfTrace({ keys: 500, length: 50_000, seed: 3, offset: 10_000 }); // today's
    const naive = naiveLfu<number, number>({ capacity: 500 });
    const aging = lfu<number, number>({ capacity: 500 });
    replay(naive, before);
    replay(aging, before);
    const naiveAfter = replay(naive, after);
    const agingAfter = replay(aging, after);
    expect(naiveAfter.ratio).toBeLessThan(0.1); // new keys enter at count 1 and are the next victims
    expect(agingAfter.ratio).toBeGreaterThan(0.9); // halving lets the new hot set outgrow the old
  });
});

describe('the count-min sketch', () => {
  it('never undercounts a key (below its 4-bit ceiling), and halves every counter after sampleSize increments', () => {
    const sketch = countMinSketch({ width: 256, sampleSize: 1_000_000 });
    const truth = new Map<number, number>();
    const keys = zipfTrace({ keys: 2_000, length: 3_000, seed: 9 });
    for (const k of keys) {
      sketch.increment(k);
      truth.set(k, (truth.get(k) ?? 0) + 1);
    }
    for (const [k, n] of truth) expect(sketch.estimate(k)).toBeGreaterThanOrEqual(Math.min(n, 15));
    expect(sketch.estimate(0)).toBe(15); // the hottest key saturates
    const small = countMinSketch({ width: 64, sampleSize: 20 });
    for (let i = 0; i < 10; i++) small.increment('a');
    for (let i = 0; i < 9; i++) small.increment('b');
    expect([small.estimate('a'), small.estimate('b'), small.resets]).toEqual([10, 9, 0]);
    small.increment('b'); // the 20th increment: every counter is halved
    expect([small.estimate('a'), small.estimate('b'), small.resets]).toEqual([5, 5, 1]);
  });

  it('keeps collisions rare by taking the smallest of four rows: keys never seen mostly estimate 0', () => {
    const sketch = countMinSketch({ width: 4_096, sampleSize: 1_000_000 });
    for (let k = 0; k < 1_000; k++) sketch.increment(k);
    let zeros = 0;
    for (let k = 1_000_000; k < 1_010_000; k++) if (sketch.estimate(k) === 0) zeros++;
    // One row of 4096 counters holding 1000 keys collides for ~22% of other keys; four rows at once, ~0.2%.
    expect(zeros / 10_000).toBeGreaterThan(0.97);
  });
});

describe('W-TinyLFU', () => {
  it('own claim: keeps the hot set through a one-off scan where LRU (lru-cache) loses all of it', () => {
    const hot = zipfTrace({ keys: 500, length: 20_000, seed: 5 });
    const tiny = wTinyLfu<number, number>({ capacity: 1_000 });
    const lru = lruCache(1_000);
    for (const c of [tiny, lru]) {
      replay(c, hot);
      expect(replay(c, hot).ratio).toBe(1);
      replay(c, scanTrace(100_000, 2_000)); // a report reads 2,000 cold keys once
    }
    expect(replay(lru, scanTrace(0, 500)).hits).toBe(0);
    expect(replay(tiny, scanTrace(0, 500)).ratio).toBeGreaterThan(0.95);
    // The scan's keys filled the main cache's free room (490 entries), the rest were refused admission.
    expect(tiny.rejected).toBeGreaterThan(1_400);
  });

  it.each([500, 2_000])('hits more than lru-cache on Zipfian, scan-heavy and loop traces (cache of %i)', (capacity) => {
    const traces = {
      zipf: zipfTrace({ keys: 100_000, length: 200_000, skew: 0.9, seed: 1 }),
      scan: scanHeavyTrace({ keys: 100_000, length: 200_000, skew: 0.9, seed: 1, every: 10_000, scanLength: 5_000 }),
      loop: loopTrace(capacity * 2, 10), // a loop twice the cache: LRU always evicts what comes next
    };
    for (const [name, trace] of Object.entries(traces)) {
      const tiny = replay(wTinyLfu({ capacity }), trace).ratio;
      const lru = replay(lruCache(capacity), trace).ratio;
      expect(tiny, name).toBeGreaterThan(lru);
    }
    expect(replay(lruCache(capacity), traces.loop).hits).toBe(0);
  });

  it('wraps a loader: a hit does not call the loader, a failed load is not cached', async () => {
    let loads = 0;
    const cached = cachedLoader(
      async (key: string) => {
        loads++;
        if (loads === 1) throw new Error('db down');
        return key.length;
      },
      { cache: wTinyLfu<string, number>({ capacity: 10 }) },
    );
    await expect(cached.get('abc')).rejects.toThrow('db down');
    expect(await cached.get('abc')).toBe(3);
    expect(await cached.get('abc')).toBe(3);
    expect(cached.stats).toEqual({ hits: 1, loads: 2 });
  });
});

describe("Redis's allkeys-lfu vs allkeys-lru on the same trace (private servers)", () => {
  it('allkeys-lfu keeps most of the hot set through a scan that evicts it under allkeys-lru', async () => {
    const after: Record<string, number> = {};
    for (const policy of ['allkeys-lfu', 'allkeys-lru']) {
      const server = await privateRedis({
        config: [
          ['maxmemory', '4mb'],
          ['maxmemory-policy', policy],
        ],
      });
      onTestFinished(() => server.close());
      const redis = redisClient(server.url);
      onTestFinished(() => void redis.disconnect());
      const side = redisTrace(redis, { prefix: 'k:', valueBytes: 1_000 });
      await side.replay(scanTrace(100_000, 10_000)); // fill past maxmemory
      const capacity = await side.resident();
      expect(capacity).toBeLessThan(10_000);
      const hot = scanTrace(0, Math.floor(capacity / 4));
      for (let i = 0; i < 10; i++) await side.replay(hot); // hot keys earn their counters
      await side.replay(scanTrace(200_000, 4 * capacity)); // the one-off scan
      after[policy] = (await side.replay(hot)).ratio;
    }
    expect(after['allkeys-lru']).toBeLessThan(0.2);
    expect(after['allkeys-lfu']).toBeGreaterThan(0.8);
  });
});
