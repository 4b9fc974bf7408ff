// pnpm --filter poc-redis-counter demo: atomic INCR vs read-modify-write vs a SQL counter row, and a
// per-window counter that resets by itself. Every number below was just counted on real servers.
import { runMain } from '@poc/kit';
import { eventually, postgresDatabase, redisNamespace, serverFor } from '@poc/harness';
import type { Redis } from 'ioredis';
import { counters, expiringCounters, isCounterError, sqlCounter } from './index.ts';
import { naiveIncrement } from './naive.ts';

const CLIENTS = 20;
const EACH = 500;
const EXPECTED = CLIENTS * EACH;
const say = (line = ''): void => console.log(line);
const n = (x: number): string => x.toLocaleString('en-US');

/** EACH increments on each of CLIENTS connections at once; resolves with the elapsed ms. */
async function race(workers: Array<() => Promise<unknown>>): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    workers.map(async (one) => {
      for (let i = 0; i < EACH; i++) await one();
    }),
  );
  return performance.now() - t0;
}

runMain(async () => {
  const [redisServer, pgServer] = await Promise.all([serverFor('redis'), serverFor('postgres')]);
  const [ns, db] = await Promise.all([redisNamespace({ name: 'demo' }), postgresDatabase({ name: 'demo' })]);
  const admin = ns.client();
  try {
    say(
      `Redis atomic counters demo (Redis ${redisServer.version}, PostgreSQL ${pgServer.version}, ${redisServer.provider})`,
    );

    say(
      `\n1. ${CLIENTS} clients on ${CLIENTS} connections x ${n(EACH)} increments of one counter (expect ${n(EXPECTED)})`,
    );
    const clients: Redis[] = Array.from({ length: CLIENTS }, () => ns.client());
    await Promise.all(clients.map((c) => c.ping()));
    const naiveMs = await race(clients.map((c) => () => naiveIncrement(c, 'counter:naive')));
    const naive = await counters(admin).get('naive');
    say(
      `   GET + SET (read-modify-write): counter = ${n(naive)} -> ${n(EXPECTED - naive)} increments lost (${((100 * (EXPECTED - naive)) / EXPECTED).toFixed(1)}%), ${Math.round(naiveMs)} ms`,
    );
    const incrMs = await race(clients.map((c) => () => counters(c).increment('atomic')));
    const atomic = await counters(admin).get('atomic');
    say(
      `   INCR:                          counter = ${n(atomic)} -> ${n(EXPECTED - atomic)} lost, ${Math.round(incrMs)} ms`,
    );
    const pool = db.pool({ max: CLIENTS });
    const sql = sqlCounter(pool);
    await sql.create();
    await Promise.all(Array.from({ length: CLIENTS }, () => pool.query('SELECT 1'))); // open the connections first
    const sqlMs = await race(Array.from({ length: CLIENTS }, () => () => sql.increment('atomic')));
    const rows = await sql.get('atomic');
    say(
      `   SQL UPDATE n = n + 1:          counter = ${n(rows)} -> ${n(EXPECTED - rows)} lost, ${Math.round(sqlMs)} ms (${(sqlMs / incrMs).toFixed(1)}x the INCR time; see the bench)`,
    );

    say('\n2. A per-window counter: INCRBY + PEXPIRE in one Lua script, window 1,000 ms from the first hit');
    const perSecond = expiringCounters(admin, { windowMs: 1_000 });
    for (let i = 0; i < 3; i++) {
      const r = await perSecond.increment('api-key-42');
      say(`   increment -> count ${r.count}, resets in ${r.resetsInMs} ms`);
    }
    const t0 = performance.now();
    await eventually(async () => (await perSecond.get('api-key-42')).count === 0, { what: 'the window to end' });
    say(`   window over ${Math.round(performance.now() - t0)} ms later; the key is gone`);
    const fresh = await perSecond.increment('api-key-42');
    say(`   next increment -> count ${fresh.count}, resets in ${fresh.resetsInMs} ms (a new window)`);

    say('\n3. Bad input and refused commands are typed errors');
    const bad = await counters(admin)
      .increment('api-key-42', -1)
      .catch((e: unknown) => e);
    say(
      `   increment(name, -1) -> ${isCounterError(bad, 'argument') ? `${bad.name}: ${bad.message}` : 'accepted (!)'}`,
    );
    await admin.set('counter:label', 'hello');
    const refused = await counters(admin)
      .increment('label')
      .catch((e: unknown) => e);
    say(
      `   increment of a text value -> ${isCounterError(refused, 'service') ? `${refused.name}: ${refused.message}` : 'accepted (!)'}`,
    );
    say('\ndone');
  } finally {
    await Promise.all([ns.close(), db.close()]);
  }
});
