// pnpm --filter poc-caching-lfu demo: W-TinyLFU, LFU with aging and LRU (lru-cache) on the same seeded
// traces, the scan that LRU loses its hot set to, the stale counts of LFU without aging, and Redis's
// allkeys-lfu vs allkeys-lru on the same scan (private servers).
import { privateRedis, redisClient } from '@poc/harness';
import { runMain } from '@poc/kit';
import { LRUCache } from 'lru-cache';
import {
  lfu,
  loopTrace,
  redisTrace,
  replay,
  scanHeavyTrace,
  scanTrace,
  wTinyLfu,
  zipfTrace,
  type Cache,
} from './index.ts';
import { naiveLfu } from './naive.ts';

const say = (line = ''): void => console.log(line);
const pct = (r: number): string => `${(r * 100).toFixed(1)}%`.padStart(6);

runMain(async () => {
  const CAPACITY = 2_000;
  const traces = {
    zipfian: zipfTrace({ keys: 100_000, length: 300_000, skew: 0.9, seed: 1 }),
    'scan-heavy': scanHeavyTrace({
      keys: 100_000,
      length: 300_000,
      skew: 0.9,
      seed: 1,
      every: 10_000,
      scanLength: 5_000,
    }),
    loop: loopTrace(2 * CAPACITY, 20),
  };
  say(
    `Hit ratio, cache of ${CAPACITY} entries (seeded traces: Zipf s=0.9 over 100000 keys; scans of 5000 every 10000; a loop over 4000 keys)`,
  );
  say('workload     lru-cache  LFU+aging  W-TinyLFU');
  for (const [name, trace] of Object.entries(traces)) {
    const policies: Array<Cache<number, number> | LRUCache<number, number>> = [
      new LRUCache<number, number>({ max: CAPACITY }),
      lfu<number, number>({ capacity: CAPACITY }),
      wTinyLfu<number, number>({ capacity: CAPACITY }),
    ];
    say(`${name.padEnd(12)} ${policies.map((p) => pct(replay(p, trace).ratio)).join('     ')}`);
  }

  const hot = zipfTrace({ keys: 500, length: 20_000, seed: 5 });
  const lru = new LRUCache<number, number>({ max: 1_000 });
  const tiny = wTinyLfu<number, number>({ capacity: 1_000 });
  for (const c of [lru, tiny]) {
    replay(c, hot);
    replay(c, scanTrace(100_000, 2_000));
  }
  say(
    `Hot set of 500 keys, then one scan of 2000 cold keys (cache of 1000): hot keys still cached: lru-cache ${replay(lru, scanTrace(0, 500)).hits}, W-TinyLFU ${replay(tiny, scanTrace(0, 500)).hits}`,
  );

  const naive = naiveLfu<number, number>({ capacity: 500 });
  const aging = lfu<number, number>({ capacity: 500 });
  const yesterday = zipfTrace({ keys: 500, length: 50_000, seed: 2 });
  const today = zipfTrace({ keys: 500, length: 50_000, seed: 3, offset: 10_000 });
  replay(naive, yesterday);
  replay(aging, yesterday);
  say(
    `Traffic moves to 500 new keys: LFU without aging hits ${pct(replay(naive, today).ratio)}, with aging ${pct(replay(aging, today).ratio)}`,
  );

  for (const policy of ['allkeys-lru', 'allkeys-lfu']) {
    const server = await privateRedis({
      config: [
        ['maxmemory', '8mb'],
        ['maxmemory-policy', policy],
      ],
    });
    const redis = redisClient(server.url);
    try {
      const side = redisTrace(redis, { prefix: 'k:', valueBytes: 1_000 });
      const got = await side.replay(traces['scan-heavy'].slice(0, 100_000));
      const version = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1];
      say(
        `Redis ${version} ${policy} (maxmemory 8mb, 1 kB values), first 100000 scan-heavy accesses: ${pct(got.ratio)}, ${await side.resident()} keys resident`,
      );
    } finally {
      redis.disconnect();
      await server.close();
    }
  }
  say('done');
});
