// pnpm --filter poc-postgres-connection-pool demo: the metered pool against real servers, printing what
// the README's "Expected output" shows.
import { postgresDatabase, privatePostgres, serverFor } from '@poc/harness/services';
import { eventually } from '@poc/harness/testing';
import { runMain } from '@poc/kit';
import pg from 'pg';
import { SLEEP_READ, createAccounts, isPoolError, meteredPool, type Checkout } from './index.ts';
import { connectPerRequest } from './naive.ts';

const say = (line = ''): void => console.log(line);
const ms = (n: number): string => `${n.toFixed(1)} ms`;

runMain(async () => {
  const server = await serverFor('postgres');
  const db = await postgresDatabase({ name: 'demo' });
  try {
    say(`Connection pool demo: postgres ${server.version} (${server.provider})`);
    const setup = await db.client();
    await createAccounts(setup, { rows: 10_000, seed: 1 });
    say('accounts: 10,000 rows generated server-side');

    say();
    say('1. 40 concurrent callers, each "indexed read + pg_sleep(5 ms)", through a pool of 4');
    const pool = meteredPool(db.pool({ max: 4 }));
    await Promise.all(Array.from({ length: 40 }, (_, i) => pool.query(SLEEP_READ.sql, SLEEP_READ.values(i + 1, 5))));
    const s = pool.stats();
    say(
      `   acquired ${s.acquired}, connections opened ${s.total}, in use ${s.inUse}, idle ${s.idle}, waiting ${s.waiting}`,
    );
    say(
      `   queue wait: p50 ${ms(s.wait.p50Ms)}, p99 ${ms(s.wait.p99Ms)}, max ${ms(s.wait.maxMs)} (10 callers per connection)`,
    );
    const naive = connectPerRequest({ connectionString: db.url });
    await Promise.all(Array.from({ length: 40 }, (_, i) => naive.query(SLEEP_READ.sql, SLEEP_READ.values(i + 1, 5))));
    say(`   the same 40 queries with connect-per-request opened ${naive.opened} connections`);

    say();
    say('2. Exhaustion: a pool of 2 with both connections held, acquireTimeoutMs 300');
    const small = meteredPool(db.pool({ max: 2 }), { acquireTimeoutMs: 300 });
    const held: Checkout[] = [await small.acquire(), await small.acquire()];
    const err = await small.acquire().catch((e: unknown) => e);
    if (isPoolError(err, 'timeout'))
      say(
        `   ${err.name} (code ${err.code}, waitedMs ${Math.round(err.waitedMs)}, poolSize ${err.poolSize}): ${err.message}`,
      );
    for (const c of held) c.release();
    say(
      `   after release: ${(await small.query<{ ok: number }>('SELECT 1 AS ok')).rows[0]!.ok === 1 ? 'the pool serves again' : '?'}`,
    );

    say();
    say('3. A pool of 10 against a private server with max_connections = 6');
    const limited = await privatePostgres({ config: [['max_connections', '6']] });
    const raw = new pg.Pool({ connectionString: limited.url, max: 10 });
    try {
      const big = meteredPool(raw);
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, () => big.acquire().catch((e: unknown) => e as Error)),
      );
      const refused = outcomes.filter((o) => isPoolError(o, 'refused'));
      say(`   ${outcomes.length - refused.length} connections checked out, ${refused.length} refused by the server`);
      if (refused[0])
        say(`   ${refused[0].name} (code ${refused[0].code}, sqlState ${refused[0].sqlState}): ${refused[0].message}`);
      for (const o of outcomes) if (!(o instanceof Error)) o.release();
    } finally {
      await raw.end();
      // pool.end() resolves before its sockets close: wait until the server has no client left, so no
      // connection is still open (and told "terminating connection") when the server stops.
      const probe = new pg.Client({ connectionString: limited.url });
      await probe.connect();
      await eventually(
        async () =>
          (
            await probe.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`,
            )
          ).rows[0]!.n === 0,
        { what: "the pool's connections to close" },
      );
      await probe.end();
      await limited.close();
    }
  } finally {
    await db.close();
  }
});
