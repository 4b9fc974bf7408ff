// createApp is a library: bad options fail at construction with a typed error naming the option.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { postgresDatabase, redisNamespace, type PostgresDatabase, type RedisNamespace } from '@poc/harness/services';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { createApp, isApiArgumentError, seedCatalog, type AppOptions } from '../src/index.ts';

let ns: RedisNamespace;
let db: PostgresDatabase;
let redis: Redis;
let pool: pg.Pool;
beforeAll(async () => {
  [ns, db] = await Promise.all([redisNamespace({ name: 'hta_opts' }), postgresDatabase({ name: 'hta_opts' })]);
  redis = ns.client();
  pool = db.pool({ max: 2 });
});
afterAll(async () => {
  await Promise.allSettled([ns?.close(), db?.close()]);
});

const valid = (): AppOptions => ({
  pool,
  redis,
  rateLimit: { limit: 10, windowMs: 1_000 },
  cache: { ttlMs: 1_000 },
  instanceId: 'api-1',
});

describe('createApp options', () => {
  const bad: Array<[string, (o: AppOptions) => unknown, RegExp]> = [
    ['pool', (o) => ({ ...o, pool: {} }), /^pool must be a pg.Pool \(got an object\)$/],
    ['redis', (o) => ({ ...o, redis: null }), /^redis must be an ioredis client \(got null\)$/],
    [
      'rateLimit.limit',
      (o) => ({ ...o, rateLimit: { limit: 0, windowMs: 1_000 } }),
      /^rateLimit.limit must be a positive integer \(got 0\)$/,
    ],
    [
      'rateLimit.windowMs',
      (o) => ({ ...o, rateLimit: { limit: 5, windowMs: 1.5 } }),
      /^rateLimit.windowMs must be a positive integer \(got 1.5\)$/,
    ],
    [
      'rateLimit.algorithm',
      (o) => ({ ...o, rateLimit: { limit: 5, windowMs: 10, algorithm: 'fixed-window' } }),
      /^rateLimit.algorithm must be "sliding-counter", "sliding-log" or "per-instance" \(got "fixed-window"\)$/,
    ],
    ['cache', (o) => ({ ...o, cache: true }), /^cache must be false or an object \{ ttlMs \} \(got true\)$/],
    ['cache.ttlMs', (o) => ({ ...o, cache: { ttlMs: -5 } }), /^cache.ttlMs must be a positive integer \(got -5\)$/],
    ['instanceId', (o) => ({ ...o, instanceId: 'a b' }), /^instanceId must be 1-64 letters/],
  ];
  it.each(bad)('rejects a bad %s with ApiArgumentError', (_name, make, message) => {
    let caught: unknown;
    try {
      createApp(make(valid()) as AppOptions);
    } catch (e) {
      caught = e;
    }
    expect(isApiArgumentError(caught)).toBe(true);
    expect((caught as Error).message).toMatch(message);
  });

  it('builds an app that answers without listening (fastify inject), with X-Instance and RateLimit headers', async () => {
    await seedCatalog(pool, { products: 20, reviewsPerProduct: 3 });
    const app = createApp(valid());
    try {
      const r = await app.inject({ url: '/products/3', headers: { 'x-client-id': 'inject' } });
      expect(r.statusCode).toBe(200);
      expect(r.headers['x-instance']).toBe('api-1');
      expect(r.headers['ratelimit-remaining']).toBe('9');
      expect(r.json()).toMatchObject({ id: 3, reviews: { count: 3 } });
    } finally {
      await app.close();
    }
  });

  it('seeds exactly once when several instances start together on an empty database', async () => {
    const fresh = await postgresDatabase({ name: 'hta_seed' });
    onTestFinished(() => fresh.close());
    const freshPool = fresh.pool({ max: 3 });
    const seeded = await Promise.all(
      [1, 2, 3].map(() => seedCatalog(freshPool, { products: 50, reviewsPerProduct: 2 })),
    );
    expect(seeded.sort((a, b) => a - b)).toEqual([0, 0, 50]);
    const { rows } = await freshPool.query<{ p: number; r: number }>(
      'SELECT (SELECT count(*)::int FROM products) AS p, (SELECT count(*)::int FROM reviews) AS r',
    );
    expect(rows[0]).toEqual({ p: 50, r: 100 });
    await expect(seedCatalog(pool, { products: 0 })).rejects.toThrow(/^products must be a positive integer \(got 0\)$/);
  });
});
