// When the server dies (a private PostgreSQL, SIGKILLed): retry() surfaces the failure unchanged when it
// gives up, and rides out a restart that happens during its back-off.
import { privatePostgres, eventually } from '@poc/harness';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { isBackoffJitterError, retry } from '../src/index.ts';
import { criticalSection } from '../src/lab/critical-section.ts';

async function setup() {
  const server = await privatePostgres();
  onTestFinished(() => server.close());
  const pool = new pg.Pool({ connectionString: server.url, connectionTimeoutMillis: 5_000, max: 4 });
  pool.on('error', () => {}); // an idle connection dropped by the kill is expected; queries report it
  onTestFinished(() => pool.end());
  const section = await criticalSection(pool, { name: 'faults', holdMs: 0 });
  return { server, pool, section };
}

describe('when the server dies (a private server per test)', () => {
  it('gives up after its attempts with the service error itself, not a wrapper', async () => {
    const { server, section } = await setup();
    await server.kill();
    const policy = retry({ attempts: 3, backoff: { kind: 'full', baseMs: 1, capMs: 5 } });
    const err = await policy(section.attempt('a'))(new AbortController().signal).catch((e: unknown) => e);
    expect(isBackoffJitterError(err, 'service')).toBe(true);
    expect((err as Error).message).toContain('entering "faults" as a');
    expect(section.calls()).toBe(3);
  });

  it('rides out a SIGKILL and restart that happen while it backs off, and the work is done once', async () => {
    const { server, section } = await setup();
    await server.kill();
    const policy = retry({ attempts: 10_000, backoff: { kind: 'full', baseMs: 20, capMs: 200 } });
    const running = policy(section.attempt('survivor'))(new AbortController().signal);
    await eventually(() => expect(section.calls()).toBeGreaterThanOrEqual(2), { what: 'two failed calls while down' });
    await server.start();
    await running;
    expect(await section.done()).toEqual(['survivor']);
  });
});
