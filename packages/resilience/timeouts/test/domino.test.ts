// The timeout domino, with three real services in their own processes (A → B → C → PostgreSQL through
// toxiproxy). A caller gives each attempt TIMEOUT_MS and tries ATTEMPTS times; C's query would take
// QUERY_S seconds. Without deadlines the caller gives up but A, B and C work on: every attempt's query is
// still running in PostgreSQL when the caller has given up (read from pg_stat_activity) and all of them
// run to the end for nobody. With deadlines the budget travels in the header, each hop's signal aborts,
// and C's queries are cancelled on the server: none completes. Counts only.
import { eventually, postgresDatabase, proxyTo } from '@poc/harness';
import { execute } from '@poc/kit';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEADLINE_HEADER, Deadline, deadlineHeader, isTimeoutsError, timeout } from '../src/index.ts';
import { naiveTimeout } from '../src/naive.ts';
import { startChain, type Chain } from '../src/lab/chain.ts';

const TIMEOUT_MS = 400;
const ATTEMPTS = 3;
const QUERY_S = 6;

let db: Awaited<ReturnType<typeof postgresDatabase>>;
let link: Awaited<ReturnType<typeof proxyTo>>;
let observer: pg.Pool;
let proxiedUrl: string;

beforeAll(async () => {
  db = await postgresDatabase();
  const url = new URL(db.url);
  link = await proxyTo(`${url.hostname}:${url.port}`, { name: 'timeouts_chain_pg' });
  url.host = link.listen;
  proxiedUrl = url.toString();
  observer = db.pool();
}, 60_000);
afterAll(async () => {
  await link?.close();
  await db?.close();
});

const runningSleeps = async (): Promise<number> =>
  (
    await observer.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = $1 AND state = 'active' AND query LIKE 'SELECT pg_sleep%'`,
      [db.name],
    )
  ).rows[0]!.n;

/** The caller of A: ATTEMPTS attempts of TIMEOUT_MS each; `withDeadline` sends the budget header. */
async function callWithRetries(chain: Chain, withDeadline: boolean): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const call = async (signal: AbortSignal) => {
      const headers = withDeadline ? deadlineHeader(Deadline.after(TIMEOUT_MS)) : {};
      const res = await fetch(`${chain.entry}/work?sleep=${QUERY_S}`, {
        signal,
        headers: { ...headers, 'x-request-id': `attempt-${attempt}` },
      });
      // With deadlines, A may answer 504 (its own deadline, or refused on arrival) a moment before our timer fires.
      if (res.status === 504) throw new Error('HTTP 504');
      return res.text();
    };
    // The naive caller races a timer (its fetch is never aborted); the pattern aborts it.
    const policy = withDeadline ? timeout({ ms: TIMEOUT_MS }) : naiveTimeout({ ms: TIMEOUT_MS });
    errors.push(await execute(policy(call)).catch((e: unknown) => e));
  }
  return errors;
}

describe('the timeout domino across A → B → C → PostgreSQL', () => {
  it("break it: without deadlines the caller gives up, yet every attempt's query is still running and all of them complete", async () => {
    await using chain = await startChain({ mode: 'none', dbUrl: proxiedUrl });
    const errors = await callWithRetries(chain, false);
    expect(errors.every((e) => isTimeoutsError(e, 'timeout'))).toBe(true);
    // The caller has given up on all attempts: the work piled up below it.
    expect(await runningSleeps()).toBe(ATTEMPTS);
    const { c } = await eventually(
      async () => {
        const s = await chain.stats();
        return s.c.completed === ATTEMPTS && s.a.completed === ATTEMPTS && s;
      },
      { what: 'every abandoned query completing', timeoutMs: 30_000 },
    );
    expect(c.maxRunning).toBe(ATTEMPTS);
    expect(c.log.map((l) => l.outcome)).toEqual(Array(ATTEMPTS).fill('completed'));
  }, 40_000);

  it("with deadlines, every hop stops: C's queries are cancelled on the server and none completes", async () => {
    await using chain = await startChain({ mode: 'deadlines', dbUrl: proxiedUrl });
    const errors = await callWithRetries(chain, true);
    expect(errors.every((e) => isTimeoutsError(e, 'timeout') || (e as Error).message === 'HTTP 504')).toBe(true);
    await eventually(async () => (await runningSleeps()) === 0, { what: 'no query left running' });
    const s = await eventually(
      async () => {
        const s = await chain.stats();
        return s.a.running + s.b.running + s.c.running === 0 && s;
      },
      { what: 'every hop idle' },
    );
    // Each attempt reached C (or was refused on the way, its budget spent), and none did work to the end.
    expect(s.c.completed + s.b.completed + s.a.completed).toBe(0);
    expect(s.c.log.every((l) => l.outcome === 'cancelled')).toBe(true);
    expect(s.c.log.length + s.c.refused + s.b.refused).toBe(ATTEMPTS);
  }, 40_000);

  it('a request that arrives with its budget spent is refused at the door (504) and reaches no further hop', async () => {
    await using chain = await startChain({ mode: 'deadlines', dbUrl: proxiedUrl, reserveMs: 20 });
    const res = await fetch(`${chain.entry}/work?sleep=${QUERY_S}`, { headers: { [DEADLINE_HEADER]: '15' } });
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: string }).error).toBe('deadline');
    const s = await chain.stats();
    expect([s.a.refused, s.a.started, s.b.started, s.c.started]).toEqual([1, 0, 0, 0]);
    const bad = await fetch(`${chain.entry}/work`, { headers: { [DEADLINE_HEADER]: 'soon' } });
    expect(bad.status).toBe(400);
  }, 40_000);
});
