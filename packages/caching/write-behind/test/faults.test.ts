// When a server dies (a private server per test): a write Redis did not take is not acknowledged (it
// rejects with a ServiceError); a flush PostgreSQL did not take leaves the durable stream's entries
// pending, and they all reach the table once PostgreSQL is back. Nothing acknowledged is lost.
import {
  postgresDatabase,
  privatePostgres,
  privateRedis,
  redisClient,
  redisNamespace,
  type PostgresDatabase,
  type RedisNamespace,
} from '@poc/harness';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createWriteBehindTable, durableWriteBehind, isWriteBehindError, writeBehind } from '../src/index.ts';

let redisNs: RedisNamespace;
let db: PostgresDatabase;
beforeAll(async () => {
  redisNs = await redisNamespace({ name: 'write_behind_faults' });
  db = await postgresDatabase({ name: 'write_behind_faults' });
  await createWriteBehindTable(db.pool(), 'kv');
});
afterAll(() => Promise.all([redisNs?.close(), db?.close()]));

describe('when a server dies (a private server per test)', () => {
  it('redis down: set rejects with a ServiceError (not acknowledged); what was flushed before is in PostgreSQL', async () => {
    const server = await privateRedis();
    onTestFinished(() => server.close());
    const redis = redisClient(server.url, { maxRetriesPerRequest: 0 });
    redis.on('error', () => {});
    onTestFinished(() => void redis.disconnect());
    const cache = writeBehind({ redis, pool: db.pool(), name: 'redis-down', table: 'kv' });
    await cache.set('before', '1');
    await cache.drain();
    await server.kill();
    const err = await cache.set('during', '2').catch((e: unknown) => e);
    expect(isWriteBehindError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^writing "during" failed: /);
    expect(cache.stats().writes).toBe(1); // only the acknowledged write counts
    const { rows } = await db.pool().query("SELECT key FROM kv WHERE key IN ('before', 'during')");
    expect(rows.map((r: { key: string }) => r.key)).toEqual(['before']);
  });

  it('postgres down: the flush fails with a ServiceError, the entries stay pending, and all reach the table after the restart', async () => {
    const server = await privatePostgres(); // defaults: fsync and synchronous_commit on
    onTestFinished(() => server.close());
    const pool = new pg.Pool({ connectionString: server.url, connectionTimeoutMillis: 5_000 });
    pool.on('error', () => {});
    onTestFinished(() => pool.end());
    await createWriteBehindTable(pool, 'kv');
    const cache = durableWriteBehind({ redis: redisNs.client(), pool, name: 'pg-down', table: 'kv', consumer: 'one' });
    await cache.init();
    for (let i = 0; i < 50; i++) await cache.set(`k${i % 10}`, `v${i}`); // acknowledged: in the stream

    await server.kill();
    const err = await cache.flushOnce().catch((e: unknown) => e);
    expect(isWriteBehindError(err, 'service')).toBe(true);
    expect(await cache.pending()).toBe(50);

    await server.start();
    expect(await cache.recover(0)).toEqual({ taken: 50, rows: 10 });
    const { rows } = await pool.query<{ key: string; value: string }>('SELECT key, value FROM kv ORDER BY key');
    expect(rows).toEqual(Array.from({ length: 10 }, (_, k) => ({ key: `k${k}`, value: `v${40 + k}` })));
    expect(await cache.pending()).toBe(0);
  });
});
