// One "API process" for the multi-process test: its own connection, its own limiter object, the same
// Redis and key as its siblings. Prints how many of its requests were admitted.
// Usage: worker.ts <keyPrefix> <limit> <requests>   (Redis from POC_REDIS_URL)
import { Redis } from 'ioredis';
import { slidingWindowLog } from '../src/index.ts';

const [prefix, limit, requests] = process.argv.slice(2);
const redis = new Redis(process.env.POC_REDIS_URL!, {
  keyPrefix: prefix,
  connectTimeout: 5_000,
  maxRetriesPerRequest: 2,
});
try {
  const limiter = slidingWindowLog({ redis, limit: Number(limit), windowMs: 60_000 });
  await redis.ping();
  console.log('ready');
  // Block until the parent pushes one "go" per worker, so that all workers fire at once.
  await redis.blpop('go', 0);
  const results = await Promise.all(Array.from({ length: Number(requests) }, () => limiter.consume('shared-client')));
  console.log(`admitted ${results.filter((r) => r.allowed).length}`);
} finally {
  redis.disconnect();
}
