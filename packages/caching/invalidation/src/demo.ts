// pnpm --filter poc-caching-invalidation demo: the classic race, forced on every round against real
// Redis and PostgreSQL, for each strategy; then an unforced concurrent mix, and what it left stale.
import { postgresDatabase, redisNamespace, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import { mixedWorkload } from './index.ts';
import { createItems } from './items.ts';
import { forcedRaces, runMix, strategy, strategyNames } from './lab/strategies.ts';
import { itemKey } from './workload.ts';

const say = (line = ''): void => console.log(line);
const ROUNDS = 20;

runMain(async () => {
  const servers = await Promise.all(['redis', 'postgres'].map((s) => serverFor(s)));
  const redisNs = await redisNamespace({ name: 'demo' });
  const db = await postgresDatabase({ name: 'demo' });
  try {
    say(`Invalidation demo: ${servers.map((s) => `${s.service} ${s.version}`).join(', ')}`);
    const redis = redisNs.client();
    const pool = db.pool();
    await createItems(pool, ROUNDS);
    const keys = Array.from({ length: ROUNDS }, (_, i) => itemKey(i + 1));
    say();
    say(`1. The race, forced ${ROUNDS} times: read old row -> writer commits + invalidates -> reader stores`);
    for (const kind of strategyNames) {
      const s = strategy(kind, { redis, pool, name: `race-${kind}`, ttlMs: 60_000 });
      const stale = await forcedRaces(s, keys);
      say(
        `   ${kind.padEnd(19)} stale after the race: ${String(stale.length).padStart(2)}/${ROUNDS}   sets refused: ${s.stats().refusedSets}`,
      );
    }
    say();
    say('2. Unforced: 2000 operations, 20% writes, 16 concurrent callers, 10 keys, 1 ms extra per load');
    for (const kind of strategyNames) {
      const s = strategy(kind, { redis, pool, name: `mix-${kind}`, ttlMs: 60_000, loadDelayMs: 1 });
      const ops = mixedWorkload({ seed: 7, keys: 10, ops: 2_000, writeRatio: 0.2 });
      const result = await runMix(s, pool, ops, 16, kind);
      const { hits, loads, refusedSets } = s.stats();
      say(
        `   ${kind.padEnd(19)} stale reads: ${String(result.staleReads).padStart(3)}   keys stale at the end: ${result.staleKeys}/10   hit ratio ${(hits / (hits + loads)).toFixed(2)}   sets refused: ${refusedSets}`,
      );
    }
    say();
    say('A stale key stays stale until its TTL ends; versions and leases refuse the late set instead.');
  } finally {
    await redisNs.close();
    await db.close();
  }
});
