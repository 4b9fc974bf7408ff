// pnpm --filter poc-caching-lru demo: the O(1) LRU next to lru-cache on one seeded trace, the scan that
// pollutes it, and Redis's approximate LRU (allkeys-lru on a private server) on the same trace.
import { privateRedis, redisClient } from '@poc/harness';
import { runMain } from '@poc/kit';
import { LRUCache } from 'lru-cache';
import { lru, redisTrace, replay, scanTrace, zipfTrace } from './index.ts';

const say = (line = ''): void => console.log(line);
const pct = (r: number): string => `${(r * 100).toFixed(1)}%`;

runMain(async () => {
  const trace = zipfTrace({ keys: 20_000, length: 100_000, skew: 0.9, seed: 42 });
  say('Zipfian trace: 100000 accesses over 20000 keys (s=0.9, seed 42), cache of 1000 entries');
  const mine = replay(lru<number, number>({ capacity: 1_000 }), trace);
  const theirs = replay(new LRUCache<number, number>({ max: 1_000 }), trace);
  say(`  O(1) LRU:  ${mine.hits} hits, ${mine.misses} misses (${pct(mine.ratio)})`);
  say(`  lru-cache: ${theirs.hits} hits, ${theirs.misses} misses (${pct(theirs.ratio)})`);

  const cache = lru<number, number>({ capacity: 1_000 });
  const hot = zipfTrace({ keys: 500, length: 20_000, seed: 5 });
  replay(cache, hot);
  say(`Hot set of 500 keys, read again: ${pct(replay(cache, hot).ratio)} hits`);
  replay(cache, scanTrace(100_000, 2_000));
  const after = replay(cache, scanTrace(0, 500));
  say(`After one scan of 2000 cold keys, each hot key read once: ${after.hits} of 500 hit (${pct(after.ratio)})`);

  const server = await privateRedis({
    config: [
      ['maxmemory', '8mb'],
      ['maxmemory-policy', 'allkeys-lru'],
    ],
  });
  const redis = redisClient(server.url);
  try {
    const info = await redis.info('server');
    say(`Redis ${/redis_version:(\S+)/.exec(info)?.[1]} (private), maxmemory 8mb, allkeys-lru, 1 kB values`);
    const side = redisTrace(redis, { prefix: 'k:', valueBytes: 1_000 });
    const got = await side.replay(trace);
    const resident = await side.resident();
    const exact = replay(lru<number, number>({ capacity: resident }), trace);
    say(`  Redis allkeys-lru: ${got.hits} hits (${pct(got.ratio)}), ${resident} keys resident`);
    say(`  exact LRU of ${resident} entries on the same trace: ${exact.hits} hits (${pct(exact.ratio)})`);
  } finally {
    redis.disconnect();
    await server.close();
  }
  say('done');
});
