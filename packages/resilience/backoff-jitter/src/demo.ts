// pnpm --filter poc-resilience-backoff-jitter demo: 100 clients each enter one critical section guarded by a
// PostgreSQL advisory lock, retrying while it is held, once per back-off strategy; prints the calls that
// reached the server and the time until all were in.
import { postgresDatabase, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import pg from 'pg';
import { backoffSchedule, isBackoffJitterError, retry, type BackoffKind } from './index.ts';
import { criticalSection } from './lab/critical-section.ts';
import { runCrowd } from './lab/crowd.ts';

const CLIENTS = 100;
const HOLD_MS = 5;
const BASE_MS = 5;
const CAP_MS = 500;
const say = (line = ''): void => console.log(line);

runMain(async () => {
  const server = await serverFor('postgres');
  const db = await postgresDatabase({ name: 'demo' }); // a database of its own, removed at the end
  const pool = new pg.Pool({ connectionString: db.url, max: CLIENTS });
  try {
    say(`Backoff jitter demo: postgres ${server.version} (${server.provider})`);
    say(
      `${CLIENTS} clients, one advisory lock held ${HOLD_MS} ms per entry; back-off base ${BASE_MS} ms, cap ${CAP_MS} ms`,
    );
    say();
    const half = (): number => 0.5;
    for (const kind of ['exponential', 'full', 'decorrelated'] as const) {
      const first = backoffSchedule({ kind, baseMs: BASE_MS, capMs: CAP_MS }, 7, half).map((d) => Math.round(d));
      say(`  ${kind.padEnd(12)} first delays at random=0.5: ${first.join(', ')} ms`);
    }
    say();
    const section = await criticalSection(pool, { name: 'demo_lock', holdMs: HOLD_MS });
    const busy = (e: unknown): boolean => isBackoffJitterError(e, 'busy');
    const kinds: BackoffKind[] = ['none', 'exponential', 'full', 'equal', 'decorrelated'];
    say('strategy             calls  calls/client  all in after  gave up');
    for (const kind of kinds) {
      const policy = retry({ attempts: 1_000, backoff: { kind, baseMs: BASE_MS, capMs: CAP_MS }, shouldRetry: busy });
      const r = await runCrowd(section, CLIENTS, (attempt, signal) => policy(attempt)(signal));
      const label = kind === 'exponential' ? 'no jitter' : kind === 'none' ? `fixed ${BASE_MS} ms` : `${kind} jitter`;
      say(
        `${label.padEnd(20)} ${String(r.calls).padStart(5)}  ${(r.calls / CLIENTS).toFixed(1).padStart(12)}  ${`${(r.ms / 1000).toFixed(2)} s`.padStart(12)}  ${String(r.failed).padStart(7)}`,
      );
    }
    const entries = await section.done();
    say();
    say(`last round: ${entries.length} entries recorded by the server, ${new Set(entries).size} distinct clients`);
  } finally {
    await pool.end();
    await db.close();
  }
});
