// One process of the scenario (tests, demo and bench spawn three): its own L1, the shared Redis and
// PostgreSQL. It takes commands from a Redis list (ctl:<id>) and answers on stdout, one line each:
//   reply <seq> <json>                         the answer to a command
//   applied <via> <key> <epoch ms>             an invalidation reached this process's L1
// argv[2] is a JSON NodeConfig. The subscriber may connect through a proxy (a test cuts it there).
import { Redis } from 'ioredis';
import pg from 'pg';
import { runMain } from '@poc/kit';
import { itemLoader, writeItem, type Item } from './items.ts';
import { multiLayerCache, type MultiLayerCache } from './multi-layer.ts';
import { naiveMultiLayerCache } from './naive.ts';
import { cacheManagerTiers } from './peer.ts';
import { preciseNow, type NodeCommand, type NodeConfig } from './protocol.ts';

runMain(async (signal) => {
  const config = JSON.parse(process.argv[2] ?? '{}') as NodeConfig;
  const redis = new Redis(config.redisUrl, { keyPrefix: config.prefix });
  const subscriber = new Redis(config.subscriberUrl ?? config.redisUrl, { keyPrefix: config.prefix });
  const control = new Redis(config.redisUrl, { keyPrefix: config.prefix });
  subscriber.on('error', () => {}); // a cut link is expected in tests; the cache tracks its state
  const pool = new pg.Pool({ connectionString: config.dbUrl, max: 2 });
  const loader = itemLoader(pool);
  let cache: Pick<MultiLayerCache<Item | null>, 'get' | 'invalidate'> & { status(): unknown; close(): Promise<void> };
  if (config.variant === 'peer') {
    const peer = cacheManagerTiers({
      loader,
      redisUrl: config.redisUrl,
      namespace: `${config.prefix}${config.name}`,
      l1Max: 10_000,
      ttlMs: config.l1TtlMs,
    });
    cache = {
      get: (key) => peer.get(key),
      invalidate: async (key) => (await peer.invalidate(key), ''),
      status: () => ({ dbLoads: peer.loads, memoryHits: peer.memoryHits }),
      close: () => peer.close(),
    };
  } else {
    const create = config.variant === 'pattern' ? multiLayerCache : naiveMultiLayerCache;
    const ml = create<Item | null>({
      loader,
      redis,
      subscriber,
      name: config.name,
      l1: { max: 10_000, ttlMs: config.l1TtlMs },
      l2: { ttlMs: config.l1TtlMs },
      streamMaxLen: config.streamMaxLen,
      onInvalidation: (e) => console.log(`applied ${e.via} ${e.key || '*'} ${preciseNow().toFixed(3)}`),
    });
    await ml.start();
    cache = {
      get: (key) => ml.get(key),
      invalidate: (key) => ml.invalidate(key),
      status: () => ({ state: ml.state, lastId: ml.lastId, dbLoads: loader.calls, ...ml.stats() }),
      close: () => ml.close(),
    };
  }
  console.log(`ready ${config.id}`);
  try {
    while (!signal.aborted) {
      const popped = await control.blpop(`ctl:${config.id}`, 1);
      if (!popped) continue;
      const command = JSON.parse(popped[1]) as NodeCommand | { op: 'quit' };
      if (command.op === 'quit') break;
      let answer: unknown;
      try {
        if (command.op === 'get') answer = await cache.get(command.key);
        else if (command.op === 'write') {
          const item = await writeItem(pool, command.key, command.value);
          await cache.invalidate(command.key);
          answer = item;
        } else answer = cache.status();
      } catch (e) {
        answer = { error: e instanceof Error ? e.message : String(e) };
      }
      console.log(`reply ${command.seq} ${JSON.stringify(answer)}`);
    }
  } finally {
    await cache.close();
    redis.disconnect();
    subscriber.disconnect();
    control.disconnect();
    await pool.end();
  }
});
