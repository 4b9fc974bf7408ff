// When the second write fails. Redis cut by toxiproxy in the middle of set(): 'compensate' rolls the
// database write back and throws (row and cache both keep the old value); 'invalidate' commits, cannot
// clear the key either, and says until when the old entry may be served (at most its TTL, judged by the
// injected clock and bounded by Redis's own PTTL). Redis refusing the SET alone (out of memory under
// noeviction, on a private server): 'invalidate' deletes the key instead. PostgreSQL killed: set() surfaces
// a ServiceError and leaves the cache alone; what committed before the kill is there after the restart.
import {
  eventually,
  postgresDatabase,
  privatePostgres,
  privateRedis,
  proxyTo,
  redisClient,
  redisNamespace,
  type PostgresDatabase,
  type RedisNamespace,
} from '@poc/harness';
import { ManualClock } from '@poc/kit';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  WriteThroughCacheError,
  isWriteThroughError,
  writeThrough,
  type CacheErrorEvent,
  type OnCacheFailure,
} from '../src/index.ts';
import { createProducts, loadPrice, priceInDatabase, writePrice, type Price } from '../src/products.ts';

const TTL_MS = 60_000;
let ns: RedisNamespace;
let db: PostgresDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  [ns, db] = await Promise.all([
    redisNamespace({ name: 'write_through_faults' }),
    postgresDatabase({ name: 'write_through_faults' }),
  ]);
  pool = db.pool();
  await createProducts(pool, ['cut-compensate', 'cut-invalidate', 'oom-compensate', 'oom-invalidate']);
});
afterAll(() => Promise.all([ns?.close(), db?.close()]));

/** A client of the suite's namespace through a toxiproxy proxy, failing at once while the link is cut. */
async function clientThroughProxy(): Promise<{ redis: Redis; cut(): Promise<void>; restore(): Promise<void> }> {
  const proxy = await proxyTo(new URL(ns.url).host, { name: 'write_through' });
  onTestFinished(() => proxy.close());
  const url = new URL(ns.url);
  url.host = proxy.listen;
  const redis = redisClient(url.toString(), { keyPrefix: ns.prefix, enableOfflineQueue: false });
  redis.on('error', () => {}); // errors while the link is cut are expected; commands report them
  onTestFinished(() => void redis.disconnect());
  await eventually(() => redis.status === 'ready', { what: 'the client to connect through the proxy' });
  return {
    redis,
    async cut() {
      await proxy.cut();
      await eventually(() => redis.status !== 'ready', { what: 'the client to lose its connection' });
    },
    async restore() {
      await proxy.restore();
      await eventually(() => redis.status === 'ready', { what: 'the client to reconnect' });
    },
  };
}

const setup = (redis: Redis, key: string, onCacheFailure: OnCacheFailure, clock = new ManualClock()) => {
  const events: CacheErrorEvent[] = [];
  const cache = writeThrough<Price>({
    redis,
    pool,
    write: writePrice,
    load: loadPrice(pool),
    ttlMs: TTL_MS,
    onCacheFailure,
    clock,
    onCacheError: (e) => events.push(e),
  });
  return { cache, events, clock, key };
};

describe('when Redis is cut off in the middle of a write (toxiproxy)', () => {
  it("'compensate': the database write is rolled back and set() throws; row and cache keep the old value", async () => {
    const link = await clientThroughProxy();
    const { cache, events, clock, key } = setup(link.redis, 'cut-compensate', 'compensate');
    await cache.set(key, { cents: 100 });

    await link.cut();
    const err = await cache.set(key, { cents: 999 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WriteThroughCacheError);
    expect(isWriteThroughError(err, 'cache')).toBe(true);
    expect((err as Error).message).toMatch(
      /^the cache write of wt:cut-compensate failed \(.+\), so the database write was rolled back$/,
    );
    expect((err as WriteThroughCacheError).staleUntil).toBe(clock.now() + TTL_MS); // could not clear either
    expect(events.map((e) => e.operation)).toEqual(['set', 'del']);
    expect(await priceInDatabase(pool, key)).toBe(100);

    await link.restore();
    expect(await cache.read(key)).toEqual({ value: { cents: 100 }, outcome: 'hit' }); // agrees with the row
  });

  it("'invalidate': the write commits; the old entry is served at most until staleUntil (its TTL), then the new value", async () => {
    const link = await clientThroughProxy();
    const { cache, events, clock, key } = setup(link.redis, 'cut-invalidate', 'invalidate');
    await cache.set(key, { cents: 100 });
    await clock.advance(10_000);

    await link.cut();
    const outcome = await cache.set(key, { cents: 200 });
    expect(outcome).toEqual({ cache: 'stale', staleUntil: clock.now() + TTL_MS });
    expect(events.map((e) => e.operation)).toEqual(['set', 'del']);
    expect(await priceInDatabase(pool, key)).toBe(200); // committed: the source of truth has it

    await link.restore();
    expect(await cache.read(key)).toEqual({ value: { cents: 100 }, outcome: 'hit' }); // stale, as reported
    const pttl = await ns.client().pttl(cache.redisKey(key));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(TTL_MS); // Redis's own bound on the same entry
    // The entry was written 10 s before the failed write: it ends 50 s after it, inside the reported bound.
    await clock.advance(TTL_MS - 10_000 - 1);
    expect(await cache.read(key)).toEqual({ value: { cents: 100 }, outcome: 'hit' });
    await clock.advance(1);
    expect(await cache.read(key)).toEqual({ value: { cents: 200 }, outcome: 'miss' });
    expect(clock.now()).toBeLessThanOrEqual(outcome.cache === 'stale' ? outcome.staleUntil : 0);
    expect(await cache.read(key)).toEqual({ value: { cents: 200 }, outcome: 'hit' });
  });
});

describe('when Redis refuses the SET but not the DEL (out of memory under noeviction, a private server)', () => {
  it.each([
    ['compensate' as const, 'rolled back: row and cache keep the old value', 100],
    ['invalidate' as const, 'committed and the key deleted: the next read loads the new value', 200],
  ])("'%s': %s", async (strategy, _what, committed) => {
    const server = await privateRedis({ config: [['maxmemory-policy', 'noeviction']] });
    onTestFinished(() => server.close());
    const redis = redisClient(server.url);
    onTestFinished(() => void redis.disconnect());
    const { cache, events, key } = setup(redis, `oom-${strategy}`, strategy);
    await cache.set(key, { cents: 100 });

    await redis.config('SET', 'maxmemory', '1'); // every write that adds memory is refused from now on
    const result = await cache.set(key, { cents: 200 }).catch((e: unknown) => e);
    await redis.config('SET', 'maxmemory', '0');
    expect(events.map((e) => `${e.operation}: ${e.error.message.slice(0, 3)}`)).toEqual(['set: OOM']);
    if (strategy === 'compensate') {
      expect(isWriteThroughError(result, 'cache')).toBe(true);
      expect((result as WriteThroughCacheError).staleUntil).toBeUndefined(); // the key was cleared
    } else expect(result).toEqual({ cache: 'invalidated' });
    expect(await priceInDatabase(pool, key)).toBe(committed);
    expect(await redis.exists(cache.redisKey(key))).toBe(0);
    expect(await cache.read(key)).toEqual({ value: { cents: committed }, outcome: 'miss' });
  });
});

describe('when PostgreSQL dies (a private server)', () => {
  it('set() surfaces a ServiceError and leaves the cache alone; what committed before the kill is there after the restart', async () => {
    const server = await privatePostgres(); // default durability: fsync and synchronous_commit on
    onTestFinished(() => server.close());
    const privatePool = new pg.Pool({ connectionString: server.url, connectionTimeoutMillis: 5_000 });
    privatePool.on('error', () => {}); // idle connections dropped by the kill are expected; queries report it
    onTestFinished(() => privatePool.end());
    await createProducts(privatePool, ['killed']);
    const cache = writeThrough<Price>({
      redis: ns.client(),
      pool: privatePool,
      write: writePrice,
      load: loadPrice(privatePool),
      ttlMs: TTL_MS,
      onCacheFailure: 'compensate',
      keyPrefix: 'killed:',
    });
    await cache.set('killed', { cents: 150 });

    await server.kill();
    const err = await cache.set('killed', { cents: 175 }).catch((e: unknown) => e);
    expect(isWriteThroughError(err, 'service')).toBe(true);
    expect(await cache.get('killed')).toEqual({ cents: 150 });

    await server.start();
    expect(await priceInDatabase(privatePool, 'killed')).toBe(150);
  });
});
