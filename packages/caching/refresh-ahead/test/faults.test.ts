// When a server dies (private servers, registered for cleanup before the body). PostgreSQL SIGKILLed under
// a background reload: the cached value keeps being served and the failure is reported; once PostgreSQL is
// back the next hit in the window reloads. Redis SIGKILLed: get() surfaces a ServiceError (Redis is where the
// values live; there is nothing to serve), and after a restart the cache refills from the loader.
import { privatePostgres, privateRedis, redisClient } from '@poc/harness';
import { ManualClock } from '@poc/kit';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { isRefreshAheadError, refreshAhead, type RefreshErrorEvent } from '../src/index.ts';
import { createQuotes, loadsAtDatabase, quoteLoader, setPrice } from '../src/quotes.ts';

const TTL_MS = 10_000;

describe('when a server dies (a private server per test)', () => {
  it('PostgreSQL killed: the cached value is still served while reloads fail; they succeed once it is back', async () => {
    const [redisServer, pgServer] = await Promise.all([privateRedis(), privatePostgres()]);
    onTestFinished(() => Promise.all([redisServer.close(), pgServer.close()]).then(() => undefined));
    const redis = redisClient(redisServer.url);
    onTestFinished(() => void redis.disconnect());
    const pool = new pg.Pool({ connectionString: pgServer.url, connectionTimeoutMillis: 5_000 });
    pool.on('error', () => {}); // idle connections dropped by the kill are expected; queries report it
    onTestFinished(() => pool.end());
    await createQuotes(pool, ['hot']);
    const clock = new ManualClock();
    const events: RefreshErrorEvent[] = [];
    const cache = refreshAhead(quoteLoader(pool), {
      redis,
      ttlMs: TTL_MS,
      clock,
      onRefreshError: (e) => events.push(e),
    });
    await cache.get('hot');
    await setPrice(pool, 'hot', 300);

    await pgServer.kill();
    await clock.advance(8_000);
    for (let i = 0; i < 3; i++) {
      expect(await cache.read('hot')).toMatchObject({ outcome: 'hit-refreshing', value: { version: 1 } });
      await cache.settled();
    }
    expect(events).toHaveLength(3);
    expect(cache.stats()).toMatchObject({ gets: 4, hits: 3, refreshes: 3, refreshErrors: 3 });

    await pgServer.start();
    expect(await cache.read('hot')).toMatchObject({ outcome: 'hit-refreshing', value: { version: 1 } });
    await cache.settled();
    expect(await cache.read('hot')).toMatchObject({ value: { price: 300, version: 2 } });
    expect(await loadsAtDatabase(pool, 'hot')).toBe(2); // the failed ones never reached a table
  });

  it('Redis killed: get() surfaces a ServiceError; after a restart the cache refills', async () => {
    const redisServer = await privateRedis();
    onTestFinished(() => redisServer.close());
    const redis = redisClient(redisServer.url);
    redis.on('error', () => {}); // errors while the server is down are expected; commands report them
    onTestFinished(() => void redis.disconnect());
    const cache = refreshAhead((key) => Promise.resolve(`value of ${key}`), { redis, ttlMs: TTL_MS });
    expect(await cache.get('k')).toBe('value of k');

    await redisServer.kill();
    const err = await cache.get('k').catch((e: unknown) => e);
    expect(isRefreshAheadError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^GET ra:k failed: /);

    await redisServer.start();
    expect(await cache.read('k')).toMatchObject({ outcome: 'loaded', value: 'value of k' }); // no persistence: refilled
  });
});
