// pnpm --filter poc-resilience-timeouts demo: the timeout domino with three real services (A → B → C →
// PostgreSQL through toxiproxy), first without deadlines, then with them. Prints what the README's
// "Expected output" shows.
import { eventually, postgresDatabase, proxyTo, serverFor } from '@poc/harness';
import { execute, runMain } from '@poc/kit';
import { Deadline, TimeoutError, deadlineHeader, isTimeoutsError, timeout } from './index.ts';
import { startChain } from './lab/chain.ts';
import { naiveTimeout } from './naive.ts';

const TIMEOUT_MS = 500;
const ATTEMPTS = 3;
const QUERY_S = 4;
const say = (line = ''): void => console.log(line);

runMain(async () => {
  const [postgres, toxiproxy] = await Promise.all([serverFor('postgres'), serverFor('toxiproxy')]);
  say(
    `Timeouts demo: postgres ${postgres.version}, toxiproxy ${toxiproxy.version}; services A → B → C → PostgreSQL, each in its own process`,
  );
  const db = await postgresDatabase();
  const url = new URL(db.url);
  const link = await proxyTo(`${url.hostname}:${url.port}`, { name: 'timeouts_demo_pg' });
  url.host = link.listen;
  const observer = db.pool();
  const running = async (): Promise<number> =>
    (
      await observer.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND state = 'active' AND query LIKE 'SELECT pg_sleep%'`,
        [db.name],
      )
    ).rows[0]!.n;
  say(`caller: ${ATTEMPTS} attempts of ${TIMEOUT_MS} ms each; C's query takes ${QUERY_S} s (pg_sleep)`);
  try {
    for (const mode of ['none', 'deadlines'] as const) {
      say();
      say(
        mode === 'none'
          ? 'Without deadlines (each hop waits as long as it likes):'
          : 'With deadlines (x-timeout-ms budget, per-hop reserve 20 ms, pgQuery cancels):',
      );
      await using chain = await startChain({ mode, dbUrl: url.toString() });
      const t0 = performance.now();
      let timeouts = 0;
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const call = async (signal: AbortSignal) => {
          const headers = mode === 'deadlines' ? deadlineHeader(Deadline.after(TIMEOUT_MS)) : {};
          const res = await fetch(`${chain.entry}/work?sleep=${QUERY_S}`, { signal, headers });
          // With deadlines, A may answer 504 a moment before the caller's own timer fires: the same outcome.
          if (res.status === 504) throw new TimeoutError('A answered 504: deadline reached', TIMEOUT_MS);
          return res.text();
        };
        const policy = mode === 'deadlines' ? timeout({ ms: TIMEOUT_MS }) : naiveTimeout({ ms: TIMEOUT_MS });
        await execute(policy(call)).catch((e: unknown) => {
          if (!isTimeoutsError(e, 'timeout')) throw e;
          timeouts++;
        });
      }
      say(
        `  caller gave up after ${Math.round(performance.now() - t0)} ms: ${timeouts} of ${ATTEMPTS} attempts timed out`,
      );
      say(`  queries running in PostgreSQL at that moment (pg_stat_activity): ${await running()}`);
      await eventually(async () => (await running()) === 0, { what: 'no query left', timeoutMs: 30_000 });
      const s = await eventually(
        async () => {
          const s = await chain.stats();
          return s.a.running + s.b.running + s.c.running === 0 && s;
        },
        { what: 'every hop idle', timeoutMs: 30_000 },
      );
      const outcomes = (o: string): number => s.c.log.filter((l) => l.outcome === o).length;
      say(`  idle again after ${Math.round(performance.now() - t0)} ms`);
      say(
        `  C's queries: ${outcomes('completed')} completed for nobody, ${outcomes('cancelled')} cancelled on the server`,
      );
      say(`  requests answered after the caller left (A/B/C): ${s.a.completed}/${s.b.completed}/${s.c.completed}`);
    }
  } finally {
    await link.close();
    await db.close();
  }
  say();
  say('done');
});
