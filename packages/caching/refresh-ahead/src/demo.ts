// pnpm --filter poc-caching-refresh-ahead demo: one hot key read through a plain TTL cache and through
// refresh-ahead, on real Redis and PostgreSQL, time moved by a ManualClock so every run prints the same
// story: refresh-ahead reloads the key in the background before it expires, so the read at the expiry
// does not wait for the database; the plain TTL cache's reader does.
import { postgresDatabase, redisNamespace, serverFor } from '@poc/harness';
import { ManualClock, runMain } from '@poc/kit';
import { refreshAhead } from './index.ts';
import { plainTtlCache } from './naive.ts';
import { createQuotes, loadsAtDatabase, quoteLoader, setPrice } from './quotes.ts';

const say = (line = ''): void => console.log(line);
const TTL_MS = 10_000;
const COST_MS = 200;

runMain(async () => {
  const servers = await Promise.all(['redis', 'postgres'].map((s) => serverFor(s)));
  const [ns, db] = await Promise.all([redisNamespace({ name: 'demo' }), postgresDatabase({ name: 'demo' })]);
  try {
    say(`Refresh-ahead demo: ${servers.map((s) => `${s.service} ${s.version} (${s.provider})`).join(', ')}`);
    const pool = db.pool();
    await createQuotes(pool, ['plain', 'ahead']);
    const clock = new ManualClock();
    const options = { redis: ns.client(), ttlMs: TTL_MS, clock };
    const loader = quoteLoader(pool, COST_MS);
    const caches = {
      plain: plainTtlCache(loader, { ...options, keyPrefix: 'plain:' }),
      ahead: refreshAhead(loader, { ...options, keyPrefix: 'ahead:', refreshAhead: 0.25 }),
    };
    say(
      `TTL ${TTL_MS / 1_000} s; refresh-ahead reloads on a hit in the last 25% (2.5 s); the loader takes ${COST_MS} ms`,
    );
    say();

    const step = async (at: number, note = ''): Promise<void> => {
      await clock.advance(at * 1_000 - (clock.now() - Date.UTC(2026, 0, 1)));
      const cells: string[] = [];
      for (const [name, cache] of Object.entries(caches)) {
        const t0 = performance.now();
        const { value, outcome } = await cache.read(name);
        const waited = performance.now() - t0 >= COST_MS ? 'waited for PostgreSQL' : 'no wait';
        cells.push(`${name}: ${outcome} v${value.version} (${waited})`.padEnd(50));
        await cache.settled();
      }
      say(`t=${String(at).padStart(3)} s  ${cells.join('')}${note}`.trimEnd());
    };
    await step(0, 'first reads load');
    await Promise.all([setPrice(pool, 'plain', 120), setPrice(pool, 'ahead', 120)]);
    say('         (both quotes change in PostgreSQL to v2; no cache is told)');
    await step(5);
    await step(8, 'refresh-ahead reloads in the background');
    await step(10, 'the first load expires');
    await step(16, 'refresh-ahead reloads again (its entry, loaded at 8 s, expires at 18 s)');
    await step(20, 'the plain entry, loaded at 10 s, expires');
    say();
    for (const name of ['plain', 'ahead'] as const) {
      const s = caches[name].stats();
      say(
        `${name.padEnd(6)} reads ${s.gets}, answered from cache ${s.hits}, waited for a load ${s.loads}, ` +
          `background reloads ${s.refreshes}; loads counted by PostgreSQL: ${await loadsAtDatabase(pool, name)}`,
      );
    }
  } finally {
    await Promise.all([ns.close(), db.close()]);
  }
});
