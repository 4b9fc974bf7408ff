// createApp is a library: bad options fail at construction with a typed error naming the option.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { postgresDatabase, redisNamespace, type PostgresDatabase, type RedisNamespace } from '@poc/harness/services';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { cacheAside } from 'poc-redis-kv-cache';
import { slidingWindowCounter } from 'poc-redis-rate-limit';
import { createApp, isApiError, seedCatalog, type AppOptions, type CachedValue } from '../src/index.ts';

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
  limiter: slidingWindowCounter({ redis, limit: 10, windowMs: 1_000, prefix: 'api:rl' }),
  cache: cacheAside<CachedValue>({ redis, ttlMs: 1_000, keyPrefix: 'api:' }),
  instanceId: 'api-1',
});

const LIMITER_RULE =
  'limiter must be a rate limiter with consume(key) and windowMs (e.g. slidingWindowCounter() of poc-redis-rate-limit)';
const CACHE_RULE =
  'cache must be false or a cache with read(key, loader) and invalidate(key) (e.g. cacheAside() of poc-redis-kv-cache)';

describe('createApp options', () => {
  const bad: Array<[string, (o: AppOptions) => unknown, string]> = [
    [
      'options',
      () => undefined,
      'options must be an object { pool, limiter, cache, redis, instanceId } (got undefined)',
    ],
    ['pool', (o) => ({ ...o, pool: {} }), 'pool must be a pg.Pool (got an object)'],
    ['redis', (o) => ({ ...o, redis: null }), 'redis must be an ioredis client (got null)'],
    ['limiter as a strategy name', (o) => ({ ...o, limiter: 'sliding-log' }), `${LIMITER_RULE} (got "sliding-log")`],
    [
      'limiter as settings',
      (o) => ({ ...o, limiter: { limit: 5, windowMs: 1_000 } }),
      `${LIMITER_RULE} (got an object)`,
    ],
    ['cache true', (o) => ({ ...o, cache: true }), `${CACHE_RULE} (got true)`],
    ['cache as settings', (o) => ({ ...o, cache: { ttlMs: 1_000 } }), `${CACHE_RULE} (got an object)`],
    [
      'instanceId',
      (o) => ({ ...o, instanceId: 'a b' }),
      'instanceId must be 1-64 letters, digits, ".", "_" or "-" (got "a b")',
    ],
  ];
  it.each(bad)('rejects a bad %s with ApiArgumentError', (_name, make, message) => {
    let caught: unknown;
    try {
      createApp(make(valid()) as AppOptions);
    } catch (e) {
      caught = e;
    }
    expect(isApiError(caught, 'argument')).toBe(true);
    expect((caught as Error).message).toBe(message);
  });

  it('builds an app that answers without listening (fastify inject), with X-Instance and RateLimit headers', async () => {
    await seedCatalog(pool, { products: 20, reviewsPerProduct: 3 });
    const app = createApp(valid());
    try {
      const r = await app.inject({ url: '/products/3', headers: { 'x-client-id': 'inject' } });
      expect(r.statusCode).toBe(200);
      expect(r.headers['x-instance']).toBe('api-1');
      expect(r.headers['x-cache']).toBe('miss');
      expect(r.headers['ratelimit-remaining']).toBe('9');
      expect(r.json()).toMatchObject({ id: 3, reviews: { count: 3 } });
      const again = await app.inject({ url: '/products/3', headers: { 'x-client-id': 'inject' } });
      expect(again.headers['x-cache']).toBe('hit');
      expect(again.headers['ratelimit-remaining']).toBe('8');
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

// server.ts is the process entry: it builds the limiter and the cache from the environment.
const serverScript = fileURLToPath(new URL('../src/server.ts', import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Runs server.ts with `env` and resolves with its exit code and what it printed on stderr. */
function runServer(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', tsx, serverScript], {
    env: { ...process.env, DEBUG: '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr })));
}

describe('server.ts with a bad environment', () => {
  // Unreachable services: a server that tried to connect before checking would print Redis errors too.
  const services = { POC_REDIS_URL: 'redis://127.0.0.1:1', POC_POSTGRES_URL: 'postgres://127.0.0.1:1/none' };
  const cases: Array<[Record<string, string>, string]> = [
    [
      { RATE_ALGORITHM: 'fixed-window' },
      'error: RATE_ALGORITHM must be one of "sliding-counter", "sliding-log", "per-instance" (got "fixed-window")',
    ],
    [{ CACHE: 'yes' }, 'error: CACHE must be one of "on", "off" (got "yes")'],
    [{ RATE_LIMIT: '0' }, 'error: RATE_LIMIT must be a positive integer (got "0")'],
    [{ PORT: 'http' }, 'error: PORT must be a non-negative integer (got "http")'],
  ];
  it.each(cases)('%o: exits 1 with one line naming the variable, before connecting to anything', async (env, line) => {
    const { code, stderr } = await runServer({ ...services, ...env });
    expect(code).toBe(1);
    expect(stderr).toBe(`${line}\n`);
  });
});
