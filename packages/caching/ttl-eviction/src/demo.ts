// pnpm --filter poc-caching-ttl-eviction demo: synchronised expiry on a ManualClock (real Redis and
// PostgreSQL, loads counted per second at the loader), then the four maxmemory policies on a private
// Redis under memory pressure, replaying the same Zipfian trace.
import { postgresDatabase, privateRedis, redisClient, redisNamespace, serverFor } from '@poc/harness';
import { ManualClock, runMain } from '@poc/kit';
import { itemLoader, seedItems } from './catalog.ts';
import {
  EVICTION_POLICIES,
  loadMeter,
  replayTrace,
  seededRandom,
  setMemoryPolicy,
  ttlCache,
  zipfTrace,
} from './index.ts';
import { fixedTtlCache } from './naive.ts';

const say = (line = ''): void => console.log(line);
const N = 200;
const TTL_MS = 60_000;

runMain(async () => {
  const servers = await Promise.all(['redis', 'postgres'].map((s) => serverFor(s)));
  const redisNs = await redisNamespace({ name: 'demo' });
  const db = await postgresDatabase({ name: 'demo' });
  try {
    say(`TTL and eviction demo: ${servers.map((s) => `${s.service} ${s.version} (${s.provider})`).join(', ')}`);
    await seedItems(db.pool(), N);
    say(`1. ${N} items loaded at t=0 s and read every second for 90 s (ManualClock), TTL ${TTL_MS / 1000} s:`);
    for (const jitter of [0, 0.1]) {
      const clock = new ManualClock();
      const meter = loadMeter(itemLoader(db.pool()), { clock, bucketMs: 1_000 });
      const options = { name: `jitter${jitter}`, ttlMs: TTL_MS, clock };
      const cache =
        jitter === 0
          ? fixedTtlCache(redisNs.client(), meter.loader, options)
          : ttlCache(redisNs.client(), meter.loader, { ...options, jitter, random: seededRandom(1) });
      const t0 = clock.now();
      for (let s = 0; s <= 90; s++) {
        await Promise.all(Array.from({ length: N }, (_, i) => cache.get(`item:${i + 1}`)));
        await clock.advance(1_000);
      }
      const reloads = meter.buckets().filter((b) => b.at > t0);
      const span = reloads.map((b) => (b.at - t0) / 1000);
      const { hits, misses } = cache.stats();
      say(
        `   ${jitter === 0 ? 'fixed TTL  ' : `±${jitter * 100}% jitter`}: reloads in ${reloads.length} second(s), ` +
          `${Math.min(...span)}–${Math.max(...span)} s, busiest second ${Math.max(...reloads.map((b) => b.loads))} queries; ` +
          `hit ratio ${((100 * hits) / (hits + misses)).toFixed(1)}%`,
      );
    }

    say('2. maxmemory 4mb on a private Redis, the same 30,000-read Zipfian trace over 20,000 keys of 1 kB:');
    const trace = zipfTrace({ keys: 20_000, length: 30_000, s: 1, seed: 11 });
    for (const policy of EVICTION_POLICIES) {
      const server = await privateRedis({ config: [['maxmemory-samples', '10']] });
      const redis = redisClient(server.url);
      try {
        await setMemoryPolicy(redis, '4mb', policy);
        const ttl = seededRandom(3);
        const r = await replayTrace(redis, trace, {
          prefix: 'z:',
          valueBytes: 1_000,
          ttlMs: () => 600_000 + Math.floor(ttl() * 60_000),
        });
        say(
          `   ${policy.padEnd(12)} hit ratio ${(100 * r.hitRatio).toFixed(1)}%, evicted ${r.evicted}, writes refused (OOM) ${r.refused}`,
        );
      } finally {
        redis.disconnect();
        await server.close();
      }
    }
  } finally {
    await redisNs.close();
    await db.close();
  }
});
