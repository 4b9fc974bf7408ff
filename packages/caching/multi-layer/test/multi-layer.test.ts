// Behaviour against real servers (POC_STANDARD.md §3), with several caches in this process (each with its
// own L1 and connections): the layers answer in order, the L1 TTL runs on the injected clock, set() and
// invalidate() reach the other caches, and a read in flight during an invalidation does not refill L1.
// Three real processes: test/processes.test.ts. No sleeps: eventually() waits for the real condition.
import { eventually, postgresDatabase, redisNamespace, type PostgresDatabase, type RedisNamespace } from '@poc/harness';
import { ManualClock } from '@poc/kit';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { multiLayerCache, compareIds, type MultiLayerOptions } from '../src/index.ts';
import { itemLoader, seedItems, writeItem, type Item } from '../src/items.ts';

let ns: RedisNamespace;
let db: PostgresDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'multi_layer' });
  db = await postgresDatabase({ name: 'multi_layer' });
  pool = db.pool();
  await seedItems(pool, 20);
});
afterAll(() => Promise.all([ns?.close(), db?.close()]));

/** One "process" in this one: its own L1, its own subscriber connection. */
async function cacheOf(name: string, extra: Partial<MultiLayerOptions<Item | null>> = {}) {
  const loader = itemLoader(pool);
  const cache = multiLayerCache<Item | null>({
    loader,
    redis: ns.client(),
    subscriber: ns.client(),
    name,
    l1: { max: 100, ttlMs: 60_000 },
    l2: { ttlMs: 600_000 },
    ...extra,
  });
  await cache.start();
  onTestFinished(() => cache.close());
  return { cache, loader };
}

describe('layers', () => {
  it('answers from the loader, then L1; another process answers from L2 without loading', async () => {
    const a = await cacheOf('layers');
    const b = await cacheOf('layers');
    expect(await a.cache.read('item:1')).toEqual({
      value: { key: 'item:1', value: 'v1', version: 1 },
      layer: 'loader',
    });
    expect((await a.cache.read('item:1')).layer).toBe('l1');
    expect((await b.cache.read('item:1')).layer).toBe('l2');
    expect((await b.cache.read('item:1')).layer).toBe('l1');
    expect([a.loader.calls, b.loader.calls]).toEqual([1, 0]);
    expect(a.cache.stats()).toMatchObject({ l1Hits: 1, l2Hits: 0, loads: 1 });
    expect(b.cache.stats()).toMatchObject({ l1Hits: 1, l2Hits: 1, loads: 0 });
  });

  it('expires L1 entries by the injected clock, then reads L2 again', async () => {
    const clock = new ManualClock();
    const { cache } = await cacheOf('ttl', { clock, l1: { max: 100, ttlMs: 1_000 } });
    expect((await cache.read('item:2')).layer).toBe('loader');
    await clock.advance(999);
    expect((await cache.read('item:2')).layer).toBe('l1');
    await clock.advance(1);
    expect((await cache.read('item:2')).layer).toBe('l2');
  });

  it('set() stores the value in L2 and its own L1, and drops the copies of the others', async () => {
    const a = await cacheOf('set');
    const b = await cacheOf('set');
    await b.cache.get('item:3');
    await a.cache.set('item:3', { key: 'item:3', value: 'set', version: 9 });
    expect(await a.cache.read('item:3')).toEqual({ value: { key: 'item:3', value: 'set', version: 9 }, layer: 'l1' });
    await eventually(() => b.cache.stats().heard === 1, { what: 'b to hear the invalidation' });
    expect(await b.cache.read('item:3')).toEqual({ value: { key: 'item:3', value: 'set', version: 9 }, layer: 'l2' });
  });

  it('a read that started before an invalidation does not put what it read into L1', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = itemLoader(pool);
    const b = multiLayerCache<Item | null>({
      loader: async (key) => {
        const item = await slow(key);
        await gate; // the invalidation arrives while this load is in flight
        return item;
      },
      redis: ns.client(),
      subscriber: ns.client(),
      name: 'in-flight',
      l1: { max: 100, ttlMs: 60_000 },
      l2: { ttlMs: 1 },
    });
    await b.start();
    onTestFinished(() => b.close());
    const a = await cacheOf('in-flight');
    const reading = b.read('item:4');
    await eventually(() => slow.calls === 1, { what: 'the load to start' });
    await writeItem(pool, 'item:4', 'v2');
    await a.cache.invalidate('item:4');
    await eventually(() => b.stats().heard === 1, { what: 'b to hear the invalidation' });
    release();
    expect((await reading).value?.value).toBe('v1'); // read before the write: the caller gets it once
    expect((await b.read('item:4')).layer).not.toBe('l1'); // but it was not kept in L1
  });
});

describe('stream ids', () => {
  it.each([
    ['9-0', '10-0', -1],
    ['10-0', '9-0', 1],
    ['5-10', '5-9', 1],
    ['5-1', '5-1', 0],
    ['1733100000000-0', '1733100000000-1', -1],
  ])('compares %s with %s numerically', (a, b, sign) => {
    expect(Math.sign(compareIds(a, b))).toBe(sign);
  });
});
