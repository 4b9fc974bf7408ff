// pnpm --filter poc-caching-stampede demo: a hot key expiring under 200 concurrent readers, three ways.
import { postgresDatabase, redisNamespace, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import { lockedCache, singleFlight, xfetchCache, xfetchProbability, type Cached } from './index.ts';
import { naiveCache } from './naive.ts';
import { createSource, loadsAtDatabase, reportLoader, type Report } from './source.ts';

const READERS = 200;
const TTL_MS = 1_000;
const COST_MS = 50;
const say = (line = ''): void => console.log(line);

runMain(async () => {
  const [redisServer, pgServer] = await Promise.all([serverFor('redis'), serverFor('postgres')]);
  const [ns, db] = await Promise.all([redisNamespace({ name: 'demo' }), postgresDatabase({ name: 'demo' })]);
  try {
    say(`Cache stampede demo (Redis ${redisServer.version}, PostgreSQL ${pgServer.version}, ${redisServer.provider})`);
    const keys = ['naive', 'single-flight', 'locked', 'xfetch'];
    await createSource(db.pool(), keys);
    const loader = reportLoader(db.pool({ max: 20 }), COST_MS);
    say(`The loader: one PostgreSQL statement (${COST_MS} ms) that also counts its loads in a table.`);
    say(
      `${READERS} readers in 4 "processes" (own connection each) read a key the moment it expires (ttl ${TTL_MS} ms).\n`,
    );

    const run = async (key: string, make: () => Cached<Report | null>): Promise<void> => {
      const caches = Array.from({ length: 4 }, make);
      await caches[0]!.get(key);
      await ns.client().pexpire(caches[0]!.redisKey(key), 1); // expire it now rather than wait for the TTL
      const before = await loadsAtDatabase(db.pool(), key);
      const t0 = performance.now();
      await Promise.all(Array.from({ length: READERS }, (_, i) => caches[i % 4]!.get(key)));
      const loads = (await loadsAtDatabase(db.pool(), key)) - before;
      say(
        `  ${key.padEnd(14)} ${String(loads).padStart(3)} load${loads === 1 ? ' ' : 's'} at PostgreSQL, all ${READERS} answered in ${Math.round(performance.now() - t0)} ms`,
      );
    };
    const base = { ttlMs: TTL_MS, keyPrefix: 'demo:' };
    say('1. The key expires; 200 readers arrive:');
    await run('naive', () => naiveCache(loader, { ...base, redis: ns.client() }));
    await run('single-flight', () => naiveCache(singleFlight(loader), { ...base, redis: ns.client() }));
    await run('locked', () => lockedCache(loader, { ...base, redis: ns.client(), pollMs: 10 }));

    say(
      '\n2. XFetch refreshes before expiry; the chance one reader refreshes, gap before expiry (delta 50 ms, beta 1):',
    );
    for (const gap of [0, 25, 50, 100, 200, 400])
      say(
        `  ${String(gap).padStart(3)} ms before: ${(100 * xfetchProbability(gap, COST_MS, 1)).toFixed(2).padStart(6)} %`,
      );
    const xf = xfetchCache(loader, { ...base, redis: ns.client(), ttlMs: 2_000 });
    await xf.get('xfetch');
    const before = await loadsAtDatabase(db.pool(), 'xfetch');
    let reads = 0;
    const until = Date.now() + 2_500;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (Date.now() < until) {
          await xf.get('xfetch');
          reads++;
        }
      }),
    );
    const s = xf.stats();
    const xfLoads = (await loadsAtDatabase(db.pool(), 'xfetch')) - before;
    say(
      `  20 readers for 2.5 s across the 2 s expiry: ${reads} reads, ${xfLoads} load${xfLoads === 1 ? '' : 's'}, ${s.hits} hits`,
    );
    say('\ndone');
  } finally {
    await Promise.all([ns.close(), db.close()]);
  }
});
