import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CounterServiceError,
  HLL_STANDARD_ERROR,
  exactSet,
  hyperLogLog,
  isCounterError,
  relativeError,
} from '../src/index.ts';

// Redis documents a standard error of 0.81% (1.04 / sqrt(16384)). The tests allow 3 standard errors
// (2.44%): a random input lands inside that 99.7% of the time. The inputs here are fixed strings and
// Redis's hash is fixed (MurmurHash64A, fixed seed), so each run gets exactly the same estimate.
const BOUND = 3 * HLL_STANDARD_ERROR;

/** Visitor ids from..to-1, e.g. "visitor:42". */
const visitors = (from: number, to: number): string[] =>
  Array.from({ length: to - from }, (_, i) => `visitor:${from + i}`);

let ns: RedisNamespace;
let redis: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'hll' });
  redis = ns.client();
});
afterAll(() => ns?.close());

describe('accuracy', () => {
  it(`counts 10^4 distinct items within 3 standard errors (${(BOUND * 100).toFixed(2)}%)`, async () => {
    const hll = hyperLogLog(redis);
    const result = await hll.add('acc:1e4', visitors(0, 10_000));
    expect(result).toEqual({ items: 10_000, commands: 10, changed: true });
    const estimate = await hll.count('acc:1e4');
    expect(relativeError(estimate, 10_000)).toBeLessThan(BOUND);
  });

  it(`counts 10^6 distinct items, loaded by pipelined PFADD batches, within 3 standard errors`, async () => {
    const hll = hyperLogLog(redis, { batchSize: 5_000 });
    for (let start = 0; start < 1_000_000; start += 250_000) {
      const r = await hll.add('acc:1e6', visitors(start, start + 250_000));
      expect(r.commands).toBe(50); // 250 000 items in 50 PFADDs, one pipeline
    }
    const estimate = await hll.count('acc:1e6');
    expect(relativeError(estimate, 1_000_000)).toBeLessThan(BOUND);
  });

  it('ignores duplicates: adding the same 10^4 items again changes nothing', async () => {
    const hll = hyperLogLog(redis);
    await hll.add('dup', visitors(0, 10_000));
    const before = await hll.count('dup');
    expect(await hll.add('dup', visitors(0, 10_000))).toEqual({ items: 10_000, commands: 10, changed: false });
    expect(await hll.count('dup')).toBe(before);
  });

  it('is exact for the exact set (the baseline)', async () => {
    const set = exactSet(redis);
    await set.add('exact', [...visitors(0, 5_000), ...visitors(2_500, 7_500)]);
    expect(await set.count('exact')).toBe(7_500);
  });
});

describe('merging days into a week', () => {
  // Day 1: visitors 0..59 999, day 2: 40 000..99 999. 20 000 came on both days: union 100 000, sum 120 000.
  it('counts the union of overlapping days with PFMERGE (and PFCOUNT of several keys), not the sum', async () => {
    const hll = hyperLogLog(redis);
    await hll.add('day:1', visitors(0, 60_000));
    await hll.add('day:2', visitors(40_000, 100_000));

    const week = await hll.merge('week', ['day:1', 'day:2']);
    expect(relativeError(week, 100_000)).toBeLessThan(BOUND);
    expect(await hll.count('day:1', 'day:2')).toBe(week); // same registers, same estimate, nothing stored
    expect(await redis.exists('day:1', 'day:2')).toBe(2); // sources are left as they were
  });

  it('breaks when days are summed instead of merged: 20% too many visitors, even with exact sets', async () => {
    const set = exactSet(redis);
    await set.add('xday:1', visitors(0, 60_000));
    await set.add('xday:2', visitors(40_000, 100_000));
    const naiveWeek = (await set.count('xday:1')) + (await set.count('xday:2'));
    expect(naiveWeek).toBe(120_000); // every returning visitor counted twice
    expect(await set.merge('xweek', ['xday:1', 'xday:2'])).toBe(100_000);
    expect(await set.count('xday:1', 'xday:2')).toBe(100_000);
  });

  it('keeps what the destination already held when merging into it', async () => {
    const hll = hyperLogLog(redis);
    await hll.add('m:dest', visitors(0, 1_000));
    await hll.add('m:src', visitors(1_000, 2_000));
    const merged = await hll.merge('m:dest', ['m:src']);
    expect(relativeError(merged, 2_000)).toBeLessThan(BOUND);
  });
});

describe('memory', () => {
  it('keeps a dense HyperLogLog near 12 KB while the exact set of the same 10^5 items takes megabytes', async () => {
    const items = visitors(0, 100_000);
    const hll = hyperLogLog(redis);
    const set = exactSet(redis);
    await hll.add('mem:hll', items);
    await set.add('mem:set', items);
    const hllBytes = await hll.memoryBytes('mem:hll');
    const setBytes = await set.memoryBytes('mem:set');
    expect(hllBytes).toBeGreaterThanOrEqual(12_288); // 16 384 registers x 6 bits
    expect(hllBytes).toBeLessThan(16_384); // plus a small header and allocator slack
    expect(setBytes).toBeGreaterThan(100 * hllBytes);
    expect(await hll.memoryBytes('mem:missing')).toBe(0);
  });
});

describe('failures are surfaced', () => {
  it('rejects PFADD on a key of another type with CounterServiceError (WRONGTYPE), not a silent zero', async () => {
    await redis.set('plain-string', 'hello world, not an HLL');
    const err = await hyperLogLog(redis)
      .add('plain-string', ['a'])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CounterServiceError);
    expect(isCounterError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^adding 1 items to "plain-string" failed: WRONGTYPE/);
  });
});
