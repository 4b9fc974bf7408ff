// One API instance as a process: `tsx src/server.ts` (system.ts starts several of these).
// Env: POC_REDIS_URL, POC_POSTGRES_URL, PORT (0 = any free port), INSTANCE_ID, RATE_LIMIT,
// RATE_WINDOW_MS, RATE_ALGORITHM (sliding-counter|sliding-log|per-instance), CACHE (on|off), CACHE_TTL_MS, REDIS_KEY_PREFIX, SEED_PRODUCTS.
import { Redis } from 'ioredis';
import pg from 'pg';
import { createApp, seedCatalog } from './index.ts';

const env = (name: string, fallback?: string): string => {
  const v = process.env[name] ?? fallback;
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
};
const int = (name: string, fallback: string): number => {
  const v = Number(env(name, fallback));
  if (!Number.isSafeInteger(v) || v < 0)
    throw new Error(`${name} must be a non-negative integer (got "${env(name, fallback)}")`);
  return v;
};

const instanceId = env('INSTANCE_ID', `api-${process.pid}`);
const redis = new Redis(env('POC_REDIS_URL'), {
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
const pool = new pg.Pool({ connectionString: env('POC_POSTGRES_URL'), max: int('PG_POOL_MAX', '8') });
pool.on('error', (e) => console.error(`[${instanceId}] idle PostgreSQL client error: ${e.message}`));

await seedCatalog(pool, { products: int('SEED_PRODUCTS', '3000') });
const app = createApp({
  pool,
  redis,
  instanceId,
  rateLimit: {
    limit: int('RATE_LIMIT', '100'),
    windowMs: int('RATE_WINDOW_MS', '60000'),
    algorithm: env('RATE_ALGORITHM', 'sliding-counter') as 'sliding-counter',
  },
  cache: env('CACHE', 'on') === 'off' ? false : { ttlMs: int('CACHE_TTL_MS', '30000') },
});
await app.listen({ host: '127.0.0.1', port: int('PORT', '0') });
const address = app.server.address();
console.log(`listening on ${typeof address === 'object' && address ? address.port : address}`);

let closing = false;
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  console.log(`${signal}: closing`);
  await app.close(); // stops accepting, lets in-flight requests finish
  await Promise.allSettled([pool.end(), redis.quit()]);
  console.log('closed');
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
