// pnpm --filter poc-caching-lfu bench: hit ratios of LRU (lru-cache), LFU with aging and W-TinyLFU on
// seeded Zipfian, scan-heavy and loop traces at three cache sizes (facts, one per cell), Redis's
// allkeys-lfu and allkeys-lru on the same scan-heavy trace (private servers), and what the admission
// filter costs in speed: the same Zipfian replay on fresh caches, side by side in one process.
import { benchReport, compareRounds, privateRedis, redisClient } from '@poc/harness';
import { runMain } from '@poc/kit';
import { LRUCache } from 'lru-cache';
import { lfu, loopTrace, redisTrace, replay, scanHeavyTrace, wTinyLfu, zipfTrace } from '../src/index.ts';

const short = process.env.POC_BENCH_PROFILE === 'short';
const KEYS = 100_000;
const SKEW = 0.9;
const LENGTH = short ? 100_000 : 500_000;
const SIZES = [500, 2_000, 8_000];
const SCAN_EVERY = 10_000;
const SCAN_LENGTH = 5_000;
const LOOP_KEYS = 4_000;
const ROUNDS = 7;
const THROUGHPUT_CAPACITY = 2_000;
const REDIS_MAXMEMORY = '8mb';
const REDIS_ACCESSES = short ? 30_000 : 150_000;

const pct = (ratio: number): number => Math.round(ratio * 10_000) / 100;

runMain(async () => {
  const traces = {
    zipf: zipfTrace({ keys: KEYS, length: LENGTH, skew: SKEW, seed: 1 }),
    scan: scanHeavyTrace({
      keys: KEYS,
      length: LENGTH,
      skew: SKEW,
      seed: 1,
      every: SCAN_EVERY,
      scanLength: SCAN_LENGTH,
    }),
    loop: loopTrace(LOOP_KEYS, Math.ceil(LENGTH / LOOP_KEYS)),
  };
  const report = benchReport({
    parameters: {
      keys: KEYS,
      zipf: `s=${SKEW}, seed 1, ${LENGTH} accesses`,
      scanHeavy: `the Zipfian trace plus a one-off scan of ${SCAN_LENGTH} cold keys after every ${SCAN_EVERY} accesses`,
      loop: `${LOOP_KEYS} keys in order, repeated`,
      cacheSizes: SIZES.join(', '),
      access: 'get, and on a miss set (fresh cache per cell)',
      lruCache: 'lru-cache 11.5.3, { max: capacity }',
      lfu: 'halveEvery 10 × capacity',
      wTinyLfu: 'window 1%, protected 80% of main, sketch 4 × capacity counters (4-bit), reset after 10 × capacity',
      throughput: `Zipfian trace, cache of ${THROUGHPUT_CAPACITY}, ${ROUNDS} rounds`,
      redis: `private servers, maxmemory ${REDIS_MAXMEMORY}, 1000-byte values, no persistence, lfu-log-factor 10, lfu-decay-time 1 (defaults), maxmemory-samples 5, first ${REDIS_ACCESSES} scan-heavy accesses`,
    },
    services: ['redis'],
  });

  const policies = {
    'lru-cache': (c: number) => new LRUCache<number, number>({ max: c }),
    lfu: (c: number) => lfu<number, number>({ capacity: c }),
    'w-tinylfu': (c: number) => wTinyLfu<number, number>({ capacity: c }),
  };
  for (const [workload, trace] of Object.entries(traces)) {
    for (const size of SIZES) {
      for (const [name, make] of Object.entries(policies)) {
        report.add({
          id: `${workload}-${size}-${name}`,
          title: `hit ratio, ${workload}, cache ${size}, ${name}`,
          value: pct(replay(make(size), trace).ratio),
          unit: '%',
        });
      }
    }
  }

  const timed = (make: (c: number) => Parameters<typeof replay>[0]) => () => {
    const cache = make(THROUGHPUT_CAPACITY);
    const started = performance.now();
    replay(cache, traces.zipf);
    return { ops: traces.zipf.length, seconds: (performance.now() - started) / 1_000 };
  };
  for (const make of Object.values(policies)) replay(make(THROUGHPUT_CAPACITY), traces.zipf); // JIT warm-up
  report.add(
    await compareRounds({
      id: 'throughput',
      title: `replaying ${LENGTH} Zipfian accesses on a fresh cache of ${THROUGHPUT_CAPACITY} (accesses/s)`,
      variants: {
        'lru-cache': timed(policies['lru-cache']),
        lfu: timed(policies.lfu),
        'w-tinylfu': timed(policies['w-tinylfu']),
      },
      baseline: 'lru-cache',
      rounds: ROUNDS,
      unit: 'accesses/s',
    }),
  );

  for (const policy of ['allkeys-lru', 'allkeys-lfu']) {
    const server = await privateRedis({
      config: [
        ['maxmemory', REDIS_MAXMEMORY],
        ['maxmemory-policy', policy],
      ],
    });
    const redis = redisClient(server.url);
    try {
      const side = redisTrace(redis, { prefix: 'k:', valueBytes: 1_000 });
      const trace = traces.scan.slice(0, REDIS_ACCESSES);
      const got = await side.replay(trace);
      const resident = await side.resident();
      report.add({
        id: `redis-${policy}`,
        title: `hit ratio, Redis ${policy}, scan-heavy`,
        value: pct(got.ratio),
        unit: '%',
      });
      report.add({
        id: `redis-${policy}-keys`,
        title: `keys resident at the end, Redis ${policy}`,
        value: resident,
        unit: 'keys',
      });
      report.add({
        id: `redis-${policy}-tinylfu`,
        title: `hit ratio, W-TinyLFU of ${resident} entries, same accesses`,
        value: pct(replay(wTinyLfu<number, number>({ capacity: resident }), trace).ratio),
        unit: '%',
      });
    } finally {
      redis.disconnect();
      await server.close();
    }
  }

  await report.finish(
    "Own claim: with scans in the traffic (cache of 2000, 100000 keys), W-TinyLFU hits {fact:scan-2000-w-tinylfu} where lru-cache hits {fact:scan-2000-lru-cache} (Zipfian alone: {fact:zipf-2000-w-tinylfu} vs {fact:zipf-2000-lru-cache}; a loop twice the cache: {fact:loop-2000-w-tinylfu} vs {fact:loop-2000-lru-cache}); W-TinyLFU replays at {ratio:throughput/w-tinylfu} of lru-cache's speed (LFU with aging at {ratio:throughput/lfu}); Redis allkeys-lfu hits {fact:redis-allkeys-lfu} and allkeys-lru {fact:redis-allkeys-lru} on the same scan-heavy accesses.",
  );
});
