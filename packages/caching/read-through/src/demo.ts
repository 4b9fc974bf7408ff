// pnpm --filter poc-caching-read-through demo: a read-through cache in front of PostgreSQL, step by step.
import { postgresDatabase, redisClient, redisNamespace, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import { readThrough, type Loader } from './index.ts';
import { naiveReadThrough } from './naive.ts';
import { loaderCalls, productLoader, seedProducts, type Product } from './catalog.ts';
import { zipfian } from './workload.ts';

const say = (line = ''): void => console.log(line);

runMain(async () => {
  const [redisServer, pgServer] = await Promise.all([serverFor('redis'), serverFor('postgres')]);
  const [ns, db] = await Promise.all([redisNamespace({ name: 'demo' }), postgresDatabase({ name: 'demo' })]);
  try {
    say(`Read-through demo (Redis ${redisServer.version}, PostgreSQL ${pgServer.version}, ${redisServer.provider})`);
    const pool = db.pool();
    await seedProducts(pool, 1_000, 20);
    const loader = productLoader(pool); // counts its own calls in PostgreSQL
    const redis = ns.client();
    const cache = readThrough(loader, { redis, ttlMs: 60_000, negativeTtlMs: 5_000 });
    say('Seeded 1,000 products with 20 reviews each. The cache owns the loader: callers only call get(key).\n');

    say('1. A product, read 3 times');
    for (let i = 0; i < 3; i++) {
      const r = await cache.read('product:42');
      say(`   ${r.outcome.padEnd(7)} ${JSON.stringify(r.value)}`);
    }
    say(`   loader calls counted by PostgreSQL: ${await loaderCalls(pool, 'product:42')}`);

    say('\n2. A product that does not exist, read 20 times');
    const naive = naiveReadThrough(loader, { redis, ttlMs: 60_000, keyPrefix: 'naive:' });
    for (let i = 0; i < 20; i++) await naive.get('product:5000');
    say(`   naive (caches only values):   ${await loaderCalls(pool, 'product:5000')} database loads`);
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 20; i++) {
      const o = (await cache.read('product:5001')).outcome;
      outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
    }
    say(
      `   readThrough (negative cache): ${await loaderCalls(pool, 'product:5001')} database load  (${[...outcomes].map(([o, n]) => `${n} ${o}`).join(', ')}; "none" kept ${await redis.pttl(cache.redisKey('product:5001'))} ms more)`,
    );

    say('\n3. A loader that fails once: the error is not cached');
    let fail = true;
    const flaky = readThrough<Product>(
      async (key, signal) => {
        if (fail) throw new Error('canceling statement due to statement timeout');
        return loader(key, signal);
      },
      { redis, ttlMs: 60_000, keyPrefix: 'flaky:' },
    );
    const err = await flaky.get('product:7').catch((e: unknown) => e as Error);
    say(
      `   get: ${err instanceof Error ? err.message : 'no error'}; stored: ${await redis.exists(flaky.redisKey('product:7'))}`,
    );
    fail = false;
    say(`   get again: ${(await flaky.read('product:7')).outcome}, then ${(await flaky.read('product:7')).outcome}`);

    say('\n4. Redis unreachable: reads degrade to the loader (and say so)');
    const dead = redisClient('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, retryStrategy: () => null });
    dead.on('error', () => {});
    const degraded = readThrough(loader, {
      redis: dead,
      ttlMs: 60_000,
      onFallback: (e) => say(`   onFallback: ${e.operation} ${e.key}: ${e.error.message}`),
    });
    const r = await degraded.read('product:42');
    say(
      `   read: ${r.outcome}, ${r.value?.name} (loader calls for product:42 now ${await loaderCalls(pool, 'product:42')})`,
    );
    dead.disconnect();

    say('\n5. 20,000 reads of 1,100 ids (ids above 1,000 do not exist), Zipfian s = 0.99, seed 1');
    const zipf = readThrough(loader as Loader<Product>, { redis, ttlMs: 60_000, keyPrefix: 'zipf:' });
    const next = zipfian(1_100, 0.99, 1);
    for (let i = 0; i < 20_000; i++) await zipf.get(`product:${next()}`);
    const s = zipf.stats();
    say(
      `   hits ${s.hits}, negative hits ${s.negativeHits}, loads ${s.loads}: hit ratio ${((100 * (s.hits + s.negativeHits)) / 20_000).toFixed(1)} %`,
    );
    say('\ndone');
  } finally {
    await Promise.all([ns.close(), db.close()]);
  }
});
