// Redis cut off (toxiproxy): a read-through cache is an optimisation, so while Redis is unreachable every
// get() is answered by the loader (outcome "fallback", onFallback told, nothing stored) instead of
// failing; invalidate() cannot fall back and throws. Once the link is back, reads are hits again.
import {
  eventually,
  postgresDatabase,
  proxyTo,
  redisClient,
  redisNamespace,
  type PostgresDatabase,
  type RedisNamespace,
} from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { isReadThroughError, readThrough, type FallbackEvent } from '../src/index.ts';
import { loaderCalls, productLoader, seedProducts } from '../src/catalog.ts';

let ns: RedisNamespace;
let db: PostgresDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'read_through_faults' });
  db = await postgresDatabase({ name: 'read_through_faults' });
  pool = db.pool();
  await seedProducts(pool, 10, 2);
});
afterAll(() => Promise.all([ns?.close(), db?.close()]));

describe('when Redis is cut off (toxiproxy)', () => {
  it('reads degrade to the loader and say so; invalidate throws; after the link is restored reads hit again', async () => {
    const proxy = await proxyTo(new URL(ns.url).host, { name: 'read_through' });
    onTestFinished(() => proxy.close());
    const url = new URL(ns.url);
    url.host = proxy.listen;
    // No offline queue: while the link is down a command fails at once instead of waiting for a reconnect.
    const redis = redisClient(url.toString(), { keyPrefix: ns.prefix, enableOfflineQueue: false });
    redis.on('error', () => {});
    onTestFinished(() => void redis.disconnect());
    await eventually(() => redis.status === 'ready', { what: 'the client to connect through the proxy' });
    const events: FallbackEvent[] = [];
    const cache = readThrough(productLoader(pool), { redis, ttlMs: 60_000, onFallback: (e) => events.push(e) });

    expect((await cache.read('product:1')).outcome).toBe('loaded');
    expect((await cache.read('product:1')).outcome).toBe('hit');

    await proxy.cut();
    await eventually(() => redis.status !== 'ready', { what: 'the client to lose its connection' });
    const during = await Promise.all([cache.read('product:1'), cache.read('product:1'), cache.read('product:404')]);
    expect(during.map((r) => r.outcome)).toEqual(['fallback', 'fallback', 'fallback']);
    expect(during[0]!.value?.name).toBe('product 1');
    expect(during[2]!.value).toBeNull();
    expect(await loaderCalls(pool, 'product:1')).toBe(3); // every read during the cut is a database read
    expect(events.map((e) => `${e.operation} ${e.key}`)).toEqual([
      `get ${'rt:product:1'}`,
      `get ${'rt:product:1'}`,
      `get ${'rt:product:404'}`,
    ]);
    const err = await cache.invalidate('product:1').catch((e: unknown) => e);
    expect(isReadThroughError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^invalidating rt:product:1 failed: /);

    await proxy.restore();
    await eventually(() => redis.status === 'ready', { what: 'the client to reconnect' });
    expect((await cache.read('product:1')).outcome).toBe('hit'); // the entry stored before the cut
    expect(await loaderCalls(pool, 'product:1')).toBe(3);
    expect(cache.stats()).toEqual({ hits: 2, negativeHits: 0, loads: 4, fallbacks: 3 });
  });
});
