// When a server fails (POC_STANDARD.md §3): a private primary + replica per test, registered for cleanup
// before the body, killed in the middle; PostgreSQL behind a toxiproxy cut. A failure of a server is
// surfaced as a ServiceError naming what was being done, never answered with a value the session knows is old.
import { postgresDatabase, proxyTo, type PostgresDatabase } from '@poc/harness';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { isStaleReadAfterWriteError, readYourWritesCache, versionTokens } from '../src/index.ts';
import { createProfiles, profileLoader, writeProfile } from '../src/profiles.ts';
import { warm } from '../src/workload.ts';
import { replicatedRedis } from '../src/lab/topology.ts';

const TTL_MS = 600_000;
let db: PostgresDatabase;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'stale_read_after_write_faults' }); // a database of its own
  await createProfiles(db.pool(), 10);
});
afterAll(() => db?.close());

async function topology() {
  const redis = await replicatedRedis();
  onTestFinished(() => redis.close());
  return redis;
}

describe('when a server fails', () => {
  it('surfaces a ServiceError naming the reader while the replica is down', async () => {
    const redis = await topology();
    const cache = readYourWritesCache(profileLoader(db.pool()), {
      primary: redis.primary,
      reader: redis.replica,
      name: 'reader-down',
      ttlMs: TTL_MS,
      consistency: versionTokens(),
    });
    await warm(cache, ['user-1']);
    await redis.replicaServer.kill();
    const err = await cache
      .session()
      .read('user-1')
      .catch((e: unknown) => e);
    expect(isStaleReadAfterWriteError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^reading "user-1" through the reader/);
  });

  it('when the invalidation fails (primary killed after the commit), the writer still reads its write', async () => {
    const redis = await topology();
    const cache = readYourWritesCache(profileLoader(db.pool()), {
      primary: redis.primary,
      reader: redis.replica,
      name: 'primary-down',
      ttlMs: TTL_MS,
      consistency: versionTokens(),
    });
    await warm(cache, ['user-2']);
    await redis.caughtUp();
    await redis.primaryServer.kill();

    const writer = cache.session();
    const written = await writeProfile(db.pool(), 'user-2', 'renamed'); // committed
    const err = await writer.wrote('user-2', written).catch((e: unknown) => e);
    expect(isStaleReadAfterWriteError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^invalidating "user-2" on the primary/);
    // The token was kept before the cache was touched: the replica's old answer is refused.
    expect(await writer.read('user-2')).toMatchObject({ value: 'renamed', source: 'database' });
    // Nobody else has a token: the replica (its link down) serves them the old name until the TTL.
    expect(await cache.session().get('user-2')).toBe('initial');
  });

  it('refuses to fall back to the stale answer when PostgreSQL is cut: the session gets a ServiceError', async () => {
    const redis = await topology();
    const link = await proxyTo(new URL(db.url).host, { name: 'postgres' });
    onTestFinished(() => link.close());
    const url = new URL(db.url);
    url.host = link.listen;
    const pool = new pg.Pool({ connectionString: url.toString(), connectionTimeoutMillis: 2_000, max: 2 });
    pool.on('error', () => {}); // connections dropped by the cut are expected; queries report it
    onTestFinished(() => pool.end());
    const cache = readYourWritesCache(profileLoader(pool), {
      primary: redis.primary,
      reader: redis.replica,
      name: 'postgres-cut',
      ttlMs: TTL_MS,
      consistency: versionTokens(),
    });
    await warm(cache, ['user-3']);
    await redis.caughtUp();
    await redis.link.cut(); // the replica keeps the old value
    const writer = cache.session();
    await writer.wrote('user-3', await writeProfile(pool, 'user-3', 'renamed'));
    await link.cut();
    const err = await writer.read('user-3').catch((e: unknown) => e);
    expect(isStaleReadAfterWriteError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^loading profile "user-3"/);
    await link.restore();
    expect(await writer.read('user-3')).toMatchObject({ value: 'renamed', source: 'database' });
  });
});
