// Read-through against real Redis and PostgreSQL: the loader's calls are counted by PostgreSQL itself
// (src/catalog.ts), expiry is driven by a ManualClock (the entry's own expiry) and checked against
// Redis's PTTL (the server's clock). Nothing sleeps.
import { postgresDatabase, redisNamespace, type PostgresDatabase, type RedisNamespace } from '@poc/harness';
import { ManualClock } from '@poc/kit';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readThrough, type Loader } from '../src/index.ts';
import { naiveReadThrough } from '../src/naive.ts';
import { loaderCalls, productLoader, seedProducts, type Product } from '../src/catalog.ts';
import { zipfTopShare, zipfian } from '../src/workload.ts';

const TTL_MS = 60_000;
const NEGATIVE_TTL_MS = 5_000;
let ns: RedisNamespace;
let db: PostgresDatabase;
let pool: pg.Pool;
let redis: Redis;
let loader: Loader<Product>;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'read_through' });
  db = await postgresDatabase({ name: 'read_through' });
  pool = db.pool();
  redis = ns.client();
  await seedProducts(pool, 100, 4);
  loader = productLoader(pool);
});
afterAll(() => Promise.all([ns?.close(), db?.close()]));

describe('read-through on Redis, PostgreSQL as the source of truth', () => {
  it('a caller only calls get(): the first read loads and stores for ttlMs, the next reads never reach the database', async () => {
    const clock = new ManualClock();
    const cache = readThrough(loader, { redis, ttlMs: TTL_MS, clock, keyPrefix: 'found:' });
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push((await cache.read('product:7')).outcome);
    expect(outcomes).toEqual(['loaded', 'hit', 'hit', 'hit', 'hit']);
    expect(await cache.get('product:7')).toEqual({ id: 7, name: 'product 7', reviews: 4, rating: 2.5 });
    expect(await loaderCalls(pool, 'product:7')).toBe(1);
    const pttl = await redis.pttl('found:product:7');
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(TTL_MS); // Redis enforces the TTL too, by its own clock

    await clock.advance(TTL_MS); // expired by the cache's clock
    expect((await cache.read('product:7')).outcome).toBe('loaded');
    expect(await loaderCalls(pool, 'product:7')).toBe(2);
  });

  it('break it: 50 reads of a missing row reach the database 50 times through the naive cache, once through readThrough', async () => {
    const clock = new ManualClock();
    const naive = naiveReadThrough(loader, { redis, ttlMs: TTL_MS, clock, keyPrefix: 'naive:' });
    for (let i = 0; i < 50; i++) expect(await naive.get('product:1001')).toBeNull();
    expect(await loaderCalls(pool, 'product:1001')).toBe(50);

    const cache = readThrough(loader, {
      redis,
      ttlMs: TTL_MS,
      negativeTtlMs: NEGATIVE_TTL_MS,
      clock,
      keyPrefix: 'neg:',
    });
    for (let i = 0; i < 50; i++) expect(await cache.get('product:1002')).toBeNull();
    expect(await loaderCalls(pool, 'product:1002')).toBe(1);
    expect(cache.stats()).toEqual({ hits: 0, negativeHits: 49, loads: 1, fallbacks: 0 });
    expect(await redis.pttl('neg:product:1002')).toBeLessThanOrEqual(NEGATIVE_TTL_MS); // the short TTL, on the server
  });

  it('"none" is cached only for negativeTtlMs: a row created later is seen once that has passed', async () => {
    const clock = new ManualClock();
    const cache = readThrough(loader, {
      redis,
      ttlMs: TTL_MS,
      negativeTtlMs: NEGATIVE_TTL_MS,
      clock,
      keyPrefix: 'later:',
    });
    expect((await cache.read('product:101')).outcome).toBe('loaded-none');
    await pool.query(`INSERT INTO products VALUES (101, 'product 101')`);
    await clock.advance(NEGATIVE_TTL_MS - 1);
    expect((await cache.read('product:101')).outcome).toBe('negative-hit'); // still "none", by design
    await clock.advance(1);
    expect(await cache.read('product:101')).toEqual({
      value: { id: 101, name: 'product 101', reviews: 0, rating: 0 },
      outcome: 'loaded',
    });
  });

  it('a loader error is not cached: after a failing load, the next get loads again and stores the value', async () => {
    let failing = true;
    const flaky: Loader<Product> = async (key, signal) => {
      const value = await loader(key, signal); // counted at the database either way
      if (failing) throw new Error('connection reset by peer');
      return value;
    };
    const cache = readThrough(flaky, { redis, ttlMs: TTL_MS, keyPrefix: 'flaky:' });
    await expect(cache.get('product:9')).rejects.toThrow('connection reset by peer');
    await expect(cache.get('product:9')).rejects.toThrow('connection reset by peer');
    expect(await redis.exists('flaky:product:9')).toBe(0);
    failing = false;
    expect((await cache.read('product:9')).outcome).toBe('loaded');
    expect((await cache.read('product:9')).outcome).toBe('hit');
    expect(await loaderCalls(pool, 'product:9')).toBe(3);
  });

  it('invalidate() deletes the entry: the next read loads the changed row', async () => {
    const cache = readThrough(loader, { redis, ttlMs: TTL_MS, keyPrefix: 'inv:' });
    expect((await cache.get('product:3'))?.name).toBe('product 3');
    await pool.query(`UPDATE products SET name = 'renamed' WHERE id = 3`);
    expect((await cache.get('product:3'))?.name).toBe('product 3'); // served until invalidated (or expired)
    expect(await cache.invalidate('product:3')).toBe(true);
    expect((await cache.get('product:3'))?.name).toBe('renamed');
  });

  it('on a Zipfian trace the hit ratio equals what the trace allows: every distinct key loads once', async () => {
    const cache = readThrough(loader, { redis, ttlMs: TTL_MS, keyPrefix: 'zipf:' });
    const next = zipfian(120, 1, 42); // ranks above 100 have no row: negative entries
    const seen = new Set<number>();
    for (let i = 0; i < 2_000; i++) {
      const r = next();
      seen.add(r);
      await cache.get(`product:${r}`);
    }
    const s = cache.stats();
    expect(s.loads).toBe(seen.size);
    expect(s.hits + s.negativeHits).toBe(2_000 - seen.size);
  });

  it('the Zipfian generator draws the top ranks as often as 1 / r^s says (seeded: the same trace every run)', () => {
    const next = zipfian(1_000, 0.99, 7);
    const draws = Array.from({ length: 50_000 }, next);
    expect(draws.slice(0, 5)).toEqual(Array.from({ length: 5 }, zipfian(1_000, 0.99, 7)));
    const top = draws.filter((r) => r <= 10).length / draws.length;
    expect(Math.abs(top - zipfTopShare(1_000, 0.99, 10))).toBeLessThan(0.01);
    expect(Math.min(...draws)).toBe(1);
    expect(Math.max(...draws)).toBeLessThanOrEqual(1_000);
  });
});
