// When Redis dies (a private server): reads and invalidations surface a ServiceError instead of serving
// or pretending; after the restart (an empty cache, no persistence) the wrappers load fresh values and the
// lease and version rules hold again. An invalidation that failed is reported to the writer, who must
// retry it: until then the old value could be served until its TTL ends.
import { postgresDatabase, privateRedis, redisClient, type PostgresDatabase } from '@poc/harness';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { isInvalidationError, leasedCache, versionedCache } from '../src/index.ts';
import { createItems, itemLoader, versionedItemLoader, writeItem } from '../src/items.ts';

let db: PostgresDatabase;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'invalidation_faults' });
  await createItems(db.pool(), 3);
});
afterAll(() => db?.close());

describe('when redis dies (a private server)', () => {
  it('surfaces a ServiceError on get and invalidate while redis is down, and serves fresh values after a restart', async () => {
    const server = await privateRedis(); // no persistence: a restart empties the cache
    onTestFinished(() => server.close());
    const redis = redisClient(server.url, { maxRetriesPerRequest: 0 });
    redis.on('error', () => {});
    onTestFinished(() => void redis.disconnect());
    const leased = leasedCache(itemLoader(db.pool()), { redis, name: 'faults-l', ttlMs: 60_000 });
    const versioned = versionedCache(versionedItemLoader(db.pool()), { redis, name: 'faults-v', ttlMs: 60_000 });
    expect(await leased.get('item-1')).toBe('v0');
    expect(await versioned.get('item-1')).toBe('v0');

    await server.kill();
    const written = await writeItem(db.pool(), 'item-1', 'after-kill'); // the database write commits ...
    const errors = await Promise.all([
      leased.invalidate('item-1').catch((e: unknown) => e), // ... its invalidation cannot be done: said so
      versioned.invalidate('item-1', written.version).catch((e: unknown) => e),
      leased.get('item-2').catch((e: unknown) => e),
    ]);
    for (const e of errors) expect(isInvalidationError(e, 'service')).toBe(true);
    expect((errors[0] as Error).message).toMatch(/^invalidating "item-1" failed: /);

    await server.start();
    expect(await leased.get('item-1')).toBe('after-kill');
    expect(await versioned.get('item-1')).toBe('after-kill');
  });
});
