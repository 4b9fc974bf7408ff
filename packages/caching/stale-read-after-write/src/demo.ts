// pnpm --filter poc-caching-stale-read-after-write demo: a user renames their profile and reads it back at
// once, 20 times per strategy, through (1) a Redis replica whose replication link has 50 ms of latency
// added by toxiproxy, and (2) a cache left to its TTL. Counts the reads older than the write.
import { postgresDatabase, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import {
  bypassAfterWrite,
  measureLagMs,
  readYourWritesCache,
  versionTokens,
  writeThrough,
  type Consistency,
} from './index.ts';
import { replicatedRedis } from './lab/topology.ts';
import { naiveCache } from './naive.ts';
import { createProfiles, profileKey, profileLoader } from './profiles.ts';
import { warm, writeThenRead, type RoundsResult } from './workload.ts';

const ROUNDS = 20;
const LINK_LATENCY_MS = 50;
const say = (line = ''): void => console.log(line);
const strategies: Consistency[] = [
  naiveCache(),
  writeThrough(),
  versionTokens(),
  bypassAfterWrite({ windowMs: 1_000 }),
];
const line = (c: Consistency, r: RoundsResult): string =>
  `  ${c.name.padEnd(26)} writer stale ${String(r.writerStale).padStart(2)}/${r.rounds}` +
  ` (from cache ${r.writerSources.cache}, database ${r.writerSources.database}, session ${r.writerSources.session}),` +
  ` other session stale ${r.otherStale}/${r.rounds}`;

runMain(async () => {
  const servers = await Promise.all(['redis', 'postgres', 'toxiproxy'].map((s) => serverFor(s)));
  say(`Stale read after write demo: ${servers.map((s) => `${s.service} ${s.version} (${s.provider})`).join(', ')}`);
  const db = await postgresDatabase({ name: 'demo' });
  const topology = await replicatedRedis();
  const { link, primary, replica } = topology;
  try {
    await createProfiles(db.pool(), ROUNDS * strategies.length * 2);
    let next = 1;
    const keys = (): string[] => Array.from({ length: ROUNDS }, () => profileKey(next++));
    await measureLagMs(primary, replica, 'lag-probe'); // the replica has synced once
    await link.addLatency(LINK_LATENCY_MS);
    const lags: number[] = [];
    for (let i = 0; i < 5; i++) lags.push(await measureLagMs(primary, replica, 'lag-probe'));
    lags.sort((a, b) => a - b);
    say(`Replica behind a toxiproxy link with +${LINK_LATENCY_MS} ms: a write is readable there after`);
    say(`  ${lags.map((l) => `${l.toFixed(0)} ms`).join(', ')} (5 probes, measured)`);

    say(`\n1. Reads from the lagging replica, the write deletes the key on the primary (${ROUNDS} rounds each):`);
    for (const consistency of strategies) {
      const cache = readYourWritesCache(profileLoader(db.pool()), {
        ...{ primary, reader: replica, name: `replica-${consistency.name}`, ttlMs: 600_000 },
        consistency,
      });
      const k = keys();
      await warm(cache, k);
      await measureLagMs(primary, replica, 'lag-probe'); // the replica holds the warmed values
      say(line(consistency, await writeThenRead(cache, db.pool(), k, { label: 'replica' })));
    }

    say(`\n2. Reads from the primary, the cache left to its TTL (no invalidation on write):`);
    for (const consistency of strategies) {
      const cache = readYourWritesCache(profileLoader(db.pool()), {
        ...{ primary, name: `ttl-${consistency.name}`, ttlMs: 600_000, invalidation: 'ttl' as const },
        consistency,
      });
      const k = keys();
      await warm(cache, k);
      say(line(consistency, await writeThenRead(cache, db.pool(), k, { label: 'ttl' })));
    }
    say('\nEvery fix gives the writer its write back; only write-through also fixes the shared cache for others,');
    say('and on a lagging replica no fix helps the other sessions until the replica catches up.');
  } finally {
    await topology.close();
    await db.close();
  }
});
