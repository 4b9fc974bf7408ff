// pnpm --filter poc-caching-multi-layer demo: three caches (each with its own L1 and connections, as three
// processes would have) over one Redis and one PostgreSQL; a write in one drops the others' L1 copies; a
// cut subscriber misses a message and catches up from the stream (the naive cache does not); and
// cache-manager's tiers leave another process on the old value.
import { eventually, postgresDatabase, proxyTo, redisClient, redisNamespace, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import { multiLayerCache, type MultiLayerCache } from './index.ts';
import { itemLoader, seedItems, writeItem, type Item } from './items.ts';
import { naiveMultiLayerCache } from './naive.ts';
import { cacheManagerTiers } from './peer.ts';

const say = (line = ''): void => console.log(line);

runMain(async () => {
  const servers = await Promise.all(['redis', 'postgres'].map((s) => serverFor(s)));
  const ns = await redisNamespace({ name: 'demo' });
  const db = await postgresDatabase({ name: 'demo' });
  const closers: Array<() => Promise<unknown>> = [];
  try {
    say(`Multi-layer cache demo: ${servers.map((s) => `${s.service} ${s.version} (${s.provider})`).join(', ')}`);
    const pool = db.pool();
    await seedItems(pool, 10);
    const proxy = await proxyTo(new URL(ns.url).host, { name: 'demo' });
    closers.push(() => proxy.close());
    const proxied = new URL(ns.url);
    proxied.host = proxy.listen;

    const make = async (create: typeof multiLayerCache, name: string, cut = false) => {
      const subscriber = cut ? redisClient(proxied.toString(), { keyPrefix: ns.prefix }) : ns.client();
      subscriber.on('error', () => {});
      if (cut) closers.push(async () => subscriber.disconnect());
      const cache = create<Item | null>({
        loader: itemLoader(pool),
        redis: ns.client(),
        subscriber,
        name,
        l1: { max: 1_000, ttlMs: 600_000 },
        l2: { ttlMs: 600_000 },
      });
      await cache.start();
      closers.push(() => cache.close());
      return cache;
    };
    const show = async (who: string, cache: MultiLayerCache<Item | null>, key: string): Promise<void> => {
      const { value, layer } = await cache.read(key);
      say(`  ${who} reads ${key}: ${value?.value} (from ${layer})`);
    };
    const write = async (who: string, cache: MultiLayerCache<Item | null>, key: string, value: string) => {
      await writeItem(pool, key, value);
      await cache.invalidate(key);
      say(`  ${who} writes ${key} = ${value} in PostgreSQL and invalidates it`);
    };

    say();
    say('1. Three processes, each with its own L1, share L2 (Redis):');
    const [a, b, c] = [
      await make(multiLayerCache, 'demo'),
      await make(multiLayerCache, 'demo'),
      await make(multiLayerCache, 'demo', true),
    ];
    await show('A', a!, 'item:1');
    await show('B', b!, 'item:1');
    await show('B', b!, 'item:1');
    await show('C', c!, 'item:1');
    await write('A', a!, 'item:1', 'v2');
    await eventually(() => b!.stats().heard === 1 && c!.stats().heard === 1, { what: 'B and C to hear it' });
    say('  B and C heard the invalidation (pub/sub) and dropped their L1 copy');
    await show('B', b!, 'item:1');
    await show('C', c!, 'item:1');

    say();
    say("2. C's subscriber connection is cut (toxiproxy) while A writes:");
    await c!.get('item:1');
    await proxy.cut();
    await eventually(() => c!.state === 'detached', { what: 'C to notice' });
    await write('A', a!, 'item:1', 'v3');
    await show('C', c!, 'item:1');
    say(`  C served ${c!.stats().l1HitsDetached} read(s) from L1 while detached: possibly stale`);
    await proxy.restore();
    await eventually(() => c!.state === 'attached', { what: 'C to resubscribe' });
    say(`  link restored: C replayed ${c!.stats().replayed} invalidation(s) from the stream`);
    await show('C', c!, 'item:1');

    say();
    say('3. The same with the naive cache (pub/sub only):');
    const naiveA = await make(naiveMultiLayerCache, 'demo-naive');
    const naiveC = await make(naiveMultiLayerCache, 'demo-naive', true);
    await show('C', naiveC, 'item:2');
    await proxy.cut();
    await eventually(() => naiveC.state === 'detached', { what: 'C to notice' });
    await write('A', naiveA, 'item:2', 'v2');
    await proxy.restore();
    await eventually(() => naiveC.state === 'attached', { what: 'C to resubscribe' });
    say('  link restored: nothing replays what was published during the cut');
    await show('C', naiveC, 'item:2');
    await show('C', naiveC, 'item:2');
    say('  ...stale until its L1 TTL runs out');

    say();
    say("4. cache-manager's two tiers (memory + @keyv/redis) in two processes:");
    const options = {
      loader: itemLoader(pool),
      redisUrl: ns.url,
      namespace: `${ns.prefix}cm`,
      l1Max: 1_000,
      ttlMs: 600_000,
    };
    const [pa, pb] = [cacheManagerTiers(options), cacheManagerTiers(options)];
    closers.push(
      () => pa.close(),
      () => pb.close(),
    );
    say(`  A reads item:3: ${(await pa.get('item:3'))?.value}; B reads item:3: ${(await pb.get('item:3'))?.value}`);
    await writeItem(pool, 'item:3', 'v2');
    await pa.invalidate('item:3');
    say('  A writes item:3 = v2 in PostgreSQL and calls cache.del()');
    say(
      `  A reads item:3: ${(await pa.get('item:3'))?.value}; B reads item:3: ${(await pb.get('item:3'))?.value} (B's memory tier was never told)`,
    );
    say('done');
  } finally {
    for (const close of closers.reverse()) await close().catch(() => {});
    await ns.close();
    await db.close();
  }
});
