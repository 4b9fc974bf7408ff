// When Redis dies: these wrappers protect the database, so they do not quietly fall back to it (200
// readers falling back would be the stampede again). A get fails with a StampedeServiceError naming the
// command, and works again once the server is back. (poc-caching-read-through degrades to the loader.)
import { postgresDatabase, privateRedis, redisClient, type PostgresDatabase } from '@poc/harness';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { isStampedeError, lockedCache, xfetchCache } from '../src/index.ts';
import { createSource, loadsAtDatabase, reportLoader } from '../src/source.ts';

let db: PostgresDatabase;
beforeAll(async () => {
  db = await postgresDatabase({ name: 'stampede_faults' });
  await createSource(db.pool(), ['k']);
});
afterAll(() => db?.close());

describe('when Redis dies (a private server)', () => {
  it.each([
    ['lockedCache', lockedCache],
    ['xfetchCache', xfetchCache],
  ] as const)(
    '%s surfaces a StampedeServiceError, does not load, and recovers after a restart',
    async (_name, wrap) => {
      const server = await privateRedis();
      onTestFinished(() => server.close());
      const redis = redisClient(server.url, { maxRetriesPerRequest: 1 });
      redis.on('error', () => {});
      onTestFinished(() => void redis.disconnect());
      const cache = wrap(reportLoader(db.pool()), { redis, ttlMs: 60_000, keyPrefix: `${_name}:` });
      expect(await cache.get('k')).toEqual({ key: 'k', total: 100 });
      const loads = await loadsAtDatabase(db.pool(), 'k');

      await server.kill();
      const err = await cache.get('k').catch((e: unknown) => e);
      expect(isStampedeError(err, 'service')).toBe(true);
      expect((err as Error).message).toMatch(new RegExp(`^GET ${_name}:k failed: `));
      expect(await loadsAtDatabase(db.pool(), 'k')).toBe(loads);

      await server.start();
      expect(await cache.get('k')).toEqual({ key: 'k', total: 100 }); // reloaded: the private server kept nothing
      expect(await loadsAtDatabase(db.pool(), 'k')).toBe(loads + 1);
    },
  );
});
