// pnpm --filter poc-resilience-connection-leak demo: a handler that leaks on its error path empties a real
// pool; the detector names it; the fixed handler serves the same traffic; assertNoLeaks() as a test would.
import { postgresDatabase, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import pg from 'pg';
import { assertNoLeaks, leakDetector, type LeakReport } from './index.ts';
import { fixedHandler, leakyHandler } from './lab/handlers.ts';

const say = (line = ''): void => console.log(line);
const TRAFFIC = [1, 0, 2, 0, 4, 0, 5, 1, 2, 4, 5]; // 0 = a request whose query fails (division by zero)

async function serve(name: string, handler: typeof leakyHandler, pool: pg.Pool): Promise<void> {
  const out = { ok: 0, failed: 0, timedOut: 0 };
  for (const d of TRAFFIC) {
    await handler(pool, d).then(
      () => out.ok++,
      (e: Error) => (e.message === 'timeout exceeded when trying to connect' ? out.timedOut++ : out.failed++),
    );
  }
  say(
    `${name}: ${TRAFFIC.length} requests (3 with a failing query) -> ${out.ok} ok, ${out.failed} failed in the query, ${out.timedOut} timed out waiting for a client`,
  );
  say(`   pool of 3: ${pool.totalCount - pool.idleCount} checked out, ${pool.idleCount} idle`);
}

runMain(async () => {
  const [server] = await Promise.all(['postgres'].map((s) => serverFor(s)));
  const db = await postgresDatabase({ name: 'demo' });
  const leaked = new Set<pg.PoolClient>();
  const pool = new pg.Pool({ connectionString: db.url, max: 3, connectionTimeoutMillis: 500 });
  pool.on('acquire', (c) => leaked.add(c));
  pool.on('release', (_e, c) => leaked.delete(c));
  try {
    say(`Connection leak demo: ${server!.service} ${server!.version}, a pool of 3, checkout timeout 500 ms`);
    const reports: LeakReport[] = [];
    const detector = leakDetector(pool, { maxCheckoutMs: 1_000, checkEveryMs: 250, onLeak: (r) => reports.push(r) });
    await serve('1. leakyHandler', leakyHandler, pool);
    await new Promise((r) => setTimeout(r, 1_300)); // the detector scans on its own clock
    say(`2. leak detector (checkouts older than 1000 ms): ${reports.length} reported`);
    const site = reports[0]?.site.replace(process.cwd() + '/', '') ?? 'none';
    say(`   leaker: ${site}`);
    try {
      assertNoLeaks(pool);
    } catch (e) {
      say(`3. assertNoLeaks(pool) throws: ${(e as Error).message.replace(new RegExp(process.cwd() + '/', 'g'), '')}`);
    }
    for (const c of leaked) c.release(true); // an operator's restart, in effect
    detector.detach();
    await serve('4. fixedHandler (withClient)', fixedHandler, pool);
    assertNoLeaks(pool);
    say('5. assertNoLeaks(pool) passes');
  } finally {
    for (const c of leaked) c.release(true);
    await pool.end();
    await db.close();
  }
});
