// One API instance as a process: `tsx src/server.ts` (system.ts starts several of these). It reads the
// environment, builds the parts — the Redis and PostgreSQL clients, a limiter from poc-redis-rate-limit,
// a cache from poc-redis-kv-cache — and hands them to createApp, which only wires them in.
// Env: POC_REDIS_URL, POC_POSTGRES_URL, PORT (0 = any free port), INSTANCE_ID, RATE_LIMIT, RATE_WINDOW_MS,
// RATE_ALGORITHM (sliding-counter|sliding-log|per-instance), CACHE (on|off), CACHE_TTL_MS, REDIS_KEY_PREFIX,
// SEED_PRODUCTS, PG_POOL_MAX.
import { runMain } from '@poc/kit';
import { Redis } from 'ioredis';
import pg from 'pg';
import { cacheAside } from 'poc-redis-kv-cache';
import { slidingWindowCounter, slidingWindowLog } from 'poc-redis-rate-limit';
import { ApiArgumentError, check } from './errors.ts';
import { createApp, seedCatalog, type AppLimiter, type CachedValue } from './index.ts';
import { perInstanceLimiter } from './naive.ts';

const env = (name: string, fallback?: string): string => {
  const v = process.env[name] ?? fallback;
  if (v === undefined) throw new ApiArgumentError(`${name} is not set`);
  return v;
};
const int = (name: string, fallback: string, min: 0 | 1 = 1): number => {
  const raw = env(name, fallback);
  const v = Number(raw);
  check.that(
    Number.isSafeInteger(v) && v >= min,
    name,
    min === 0 ? 'must be a non-negative integer' : 'must be a positive integer',
    raw,
  );
  return v;
};
const until = (signal: AbortSignal): Promise<void> =>
  signal.aborted
    ? Promise.resolve()
    : new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));

runMain(async (signal) => {
  // The whole environment is checked before anything connects: a typo fails with one line naming it.
  const instanceId = env('INSTANCE_ID', `api-${process.pid}`);
  const redisUrl = env('POC_REDIS_URL');
  const postgresUrl = env('POC_POSTGRES_URL');
  const port = int('PORT', '0', 0);
  const algorithm = env('RATE_ALGORITHM', 'sliding-counter');
  check.oneOf('RATE_ALGORITHM', algorithm, ['sliding-counter', 'sliding-log', 'per-instance']);
  const rate = { limit: int('RATE_LIMIT', '100'), windowMs: int('RATE_WINDOW_MS', '60000') };
  const cacheMode = env('CACHE', 'on');
  check.oneOf('CACHE', cacheMode, ['on', 'off']);
  const ttlMs = int('CACHE_TTL_MS', '30000');
  const seedProducts = int('SEED_PRODUCTS', '3000');
  const poolMax = int('PG_POOL_MAX', '8');

  const redis = new Redis(redisUrl, {
    keyPrefix: env('REDIS_KEY_PREFIX', ''),
    connectTimeout: 5_000,
    maxRetriesPerRequest: 2,
    commandTimeout: 2_000,
  });
  let lastRedisError = '';
  redis.on('error', (e: Error) => {
    // ioredis reconnects by itself; say so once per distinct problem instead of once per retry.
    if (e.message !== lastRedisError) console.error(`[${instanceId}] Redis: ${(lastRedisError = e.message)}`);
  });
  redis.on('ready', () => (lastRedisError = ''));
  const pool = new pg.Pool({ connectionString: postgresUrl, max: poolMax });
  pool.on('error', (e) => console.error(`[${instanceId}] idle PostgreSQL client error: ${e.message}`));

  try {
    // The limit every instance shares lives in Redis; 'per-instance' is the naive one, for "Break it".
    const limiter: AppLimiter =
      algorithm === 'per-instance'
        ? perInstanceLimiter(rate)
        : (algorithm === 'sliding-log' ? slidingWindowLog : slidingWindowCounter)({ redis, ...rate, prefix: 'api:rl' });
    const cache = cacheMode === 'off' ? false : cacheAside<CachedValue>({ redis, ttlMs, keyPrefix: 'api:' });

    await seedCatalog(pool, { products: seedProducts });
    const app = createApp({ pool, redis, limiter, cache, instanceId });
    await app.listen({ host: '127.0.0.1', port });
    const address = app.server.address();
    console.log(`listening on ${typeof address === 'object' && address ? address.port : address}`);

    await until(signal); // SIGTERM or Ctrl-C
    console.log(`${(signal.reason as Error).message}: closing`);
    await app.close(); // stops accepting, lets in-flight requests finish
  } finally {
    await Promise.allSettled([pool.end(), redis.quit()]);
  }
  console.log('closed');
});
