// pnpm --filter poc-caching-write-through demo: a product price written through Redis to PostgreSQL; the
// naive order (cache first) leaving a phantom price; then Redis cut off by toxiproxy in the middle of a
// write, under each strategy. Time in the cache is a ManualClock, so the stale bound prints the same each run.
import { eventually, postgresDatabase, proxyTo, redisClient, redisNamespace, serverFor } from '@poc/harness';
import { ManualClock, runMain } from '@poc/kit';
import { isWriteThroughError, writeThrough, type OnCacheFailure, type WriteThroughOptions } from './index.ts';
import { naiveWriteThrough } from './naive.ts';
import { createProducts, loadPrice, priceInDatabase, writePrice, type Price } from './products.ts';

const say = (line = ''): void => console.log(line);
const TTL_MS = 60_000;
const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

runMain(async () => {
  const servers = await Promise.all(['redis', 'postgres', 'toxiproxy'].map((s) => serverFor(s)));
  const [ns, db] = await Promise.all([redisNamespace({ name: 'demo' }), postgresDatabase({ name: 'demo' })]);
  const proxy = await proxyTo(new URL(ns.url).host, { name: 'write_through_demo' });
  const url = new URL(ns.url);
  url.host = proxy.listen;
  const redis = redisClient(url.toString(), { keyPrefix: ns.prefix, enableOfflineQueue: false });
  redis.on('error', () => {}); // failures while the link is cut are reported by the commands
  try {
    say(`Write-through demo: ${servers.map((s) => `${s.service} ${s.version} (${s.provider})`).join(', ')}`);
    const pool = db.pool();
    await createProducts(pool, ['lamp', 'chair']);
    await eventually(() => redis.status === 'ready', { what: 'the client to connect through the proxy' });
    const clock = new ManualClock();
    const options = (onCacheFailure: OnCacheFailure, keyPrefix = 'wt:'): WriteThroughOptions<Price> => ({
      redis,
      pool,
      write: writePrice,
      load: loadPrice(pool),
      ttlMs: TTL_MS,
      onCacheFailure,
      clock,
      keyPrefix,
    });
    const show = async (cache: { get(k: string): Promise<Price | null> }, key: string): Promise<string> =>
      `cache serves ${(await cache.get(key))?.cents ?? 'none'}, PostgreSQL has ${await priceInDatabase(pool, key)}`;

    say('1. set(lamp, 250) through write-through');
    const compensate = writeThrough(options('compensate'));
    say(`   -> ${JSON.stringify(await compensate.set('lamp', { cents: 250 }))}; ${await show(compensate, 'lamp')}`);

    const invalidate = writeThrough(options('invalidate'));
    say(`   get(chair) through another instance ('invalidate'): ${await show(invalidate, 'chair')}`);
    await clock.advance(20_000);
    say('   (20 s pass)');

    say('2. set(lamp, -5): PostgreSQL rejects it (CHECK price_cents >= 0)');
    const naive = naiveWriteThrough(options('compensate', 'naive:'));
    await naive.set('lamp', { cents: 250 });
    for (const [name, cache] of [
      ['naive (cache first)', naive],
      ['write-through', compensate],
    ] as const) {
      const err = await cache.set('lamp', { cents: -5 }).catch((e: unknown) => e);
      say(
        `   ${name.padEnd(20)} rejected: ${(err as { constraint?: string }).constraint}; ${await show(cache, 'lamp')}`,
      );
    }

    say('3. Redis cut off by toxiproxy');
    await proxy.cut();
    await eventually(() => redis.status !== 'ready', { what: 'the client to lose its connection' });
    const err = await compensate.set('lamp', { cents: 300 }).catch((e: unknown) => e);
    say(
      `   compensate: set(lamp, 300) threw ${isWriteThroughError(err, 'cache') ? 'WriteThroughCacheError' : errorText(err)}`,
    );
    say(`      "${errorText(err).replace(/\(.*\)/, '(...)')}"`);
    const outcome = await invalidate.set('chair', { cents: 300 }).catch((e: unknown) => e);
    const at = clock.now();
    say(
      `   invalidate: set(chair, 300) -> cache ${(outcome as { cache: string }).cache}, ` +
        `stale for at most ${((outcome as { staleUntil: number }).staleUntil - at) / 1_000} s (the TTL)`,
    );
    await proxy.restore();
    await eventually(() => redis.status === 'ready', { what: 'the client to reconnect' });
    say('4. link restored');
    say(`   lamp  (compensate): ${await show(compensate, 'lamp')}  (the write was rolled back)`);
    say(`   chair (invalidate): ${await show(invalidate, 'chair')}  (the old entry, within the bound)`);
    await clock.advance(TTL_MS);
    say(`   chair, ${TTL_MS / 1_000} s later: ${await show(invalidate, 'chair')}`);
  } finally {
    redis.disconnect();
    await proxy.close();
    await Promise.all([ns.close(), db.close()]);
  }
});
