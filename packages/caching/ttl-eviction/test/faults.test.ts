// When a server dies: a private server per test, registered for cleanup before the body. A cache
// promises no durability (a restart empties it); it promises that a failure reaches the caller as a
// typed error, and that it serves again, from the database, once the server is back.
import {
  postgresDatabase,
  privatePostgres,
  privateRedis,
  redisClient,
  redisNamespace,
  type PostgresDatabase,
  type RedisNamespace,
} from '@poc/harness';
import { ManualClock } from '@poc/kit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { itemLoader, seedItems } from '../src/catalog.ts';
import { isTtlEvictionError, loadMeter, ttlCache } from '../src/index.ts';

let redisNs: RedisNamespace;
let db: PostgresDatabase;
beforeAll(async () => {
  redisNs = await redisNamespace({ name: 'ttl_eviction_faults' });
  db = await postgresDatabase({ name: 'ttl_eviction_faults' });
  await seedItems(db.pool(), 10);
});
afterAll(() => Promise.all([redisNs?.close(), db?.close()]));

describe('when a server dies (a private server per test)', () => {
  it('surfaces a ServiceError while Redis is down, and reloads from the database after a restart emptied it', async () => {
    const server = await privateRedis();
    onTestFinished(() => server.close());
    const redis = redisClient(server.url);
    redis.on('error', () => {});
    onTestFinished(() => void redis.disconnect());
    const clock = new ManualClock();
    const meter = loadMeter(itemLoader(db.pool()), { clock, bucketMs: 1_000 });
    const cache = ttlCache(redis, meter.loader, { name: 'faults', ttlMs: 60_000, jitter: 0.1, clock });

    expect(await cache.read('item:1')).toMatchObject({ outcome: 'miss' });
    expect(await cache.read('item:1')).toMatchObject({ outcome: 'hit' });
    await server.kill();
    const err = await cache.get('item:1').catch((e: unknown) => e);
    expect(isTtlEvictionError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^reading "faults:item:1" failed: /);

    await server.start(); // no persistence: the entry is gone, so the next read is a miss that reloads it
    expect(await cache.read('item:1')).toEqual({ value: { id: 1, name: 'item-1', priceCents: 101 }, outcome: 'miss' });
    expect(meter.total()).toBe(2);
  });

  it('surfaces a ServiceError while PostgreSQL is down and caches nothing; loads again once it is back', async () => {
    const server = await privatePostgres();
    onTestFinished(() => server.close());
    const pool = new pg.Pool({ connectionString: server.url, connectionTimeoutMillis: 5_000 });
    pool.on('error', () => {});
    onTestFinished(() => pool.end());
    await seedItems(pool, 3);
    const redis = redisNs.client();
    const cache = ttlCache(redis, itemLoader(pool), { name: 'pgfaults', ttlMs: 60_000, jitter: 0.1 });

    await server.kill();
    const err = await cache.get('item:2').catch((e: unknown) => e);
    expect(isTtlEvictionError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^loading "item:2" failed: /);
    expect(await redis.exists('pgfaults:item:2')).toBe(0);

    await server.start();
    expect(await cache.get('item:2')).toEqual({ id: 2, name: 'item-2', priceCents: 102 });
  });
});
