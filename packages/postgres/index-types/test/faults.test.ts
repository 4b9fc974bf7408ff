// When the server dies in the middle of a build (POC_STANDARD.md §3): a private server (PostgreSQL's
// default durability: fsync and synchronous_commit on), registered for cleanup before the body, SIGKILLed
// while a CREATE INDEX runs. The build fails with our ServiceError, not a hang; after the restart the
// index acknowledged before the kill is there and valid, and the interrupted one left nothing behind
// (CREATE INDEX is transactional: crash recovery discards it).
import { privatePostgres } from '@poc/harness';
import { eventually } from '@poc/harness/testing';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { STRATEGIES, createEvents, indexBuilder, isIndexTypesError } from '../src/index.ts';

const ROWS = 20_000;

describe('when the server dies during a build (a private server)', () => {
  it('surfaces a ServiceError, keeps the acknowledged index and leaves no trace of the interrupted one', async () => {
    const server = await privatePostgres();
    onTestFinished(() => server.close());
    const pool = new pg.Pool({ connectionString: server.url, connectionTimeoutMillis: 5_000, max: 4 });
    pool.on('error', () => {}); // idle connections dropped by the kill are expected; queries report it
    onTestFinished(() => pool.end());
    await createEvents(pool, { table: 'events', rows: ROWS });
    const builder = indexBuilder(pool, { table: 'events' });
    await builder.build(STRATEGIES.btree); // acknowledged before the fault

    // A transaction holds ROW EXCLUSIVE, so the GIN build waits on the server until the kill.
    const holder = new pg.Client({ connectionString: server.url });
    holder.on('error', () => {});
    await holder.connect();
    onTestFinished(() => holder.end().catch(() => {}));
    await holder.query('BEGIN; LOCK TABLE events IN ROW EXCLUSIVE MODE');
    const building = builder.build(STRATEGIES.gin).catch((e: unknown) => e);
    await eventually(
      async () =>
        (
          await pool.query(
            `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'CREATE INDEX%'`,
          )
        ).rowCount === 1,
      { what: 'CREATE INDEX waiting for the lock' },
    );
    await server.kill();
    const err = await building;
    expect(isIndexTypesError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^building events_gin failed: /);

    await server.start();
    const after = indexBuilder(pool, { table: 'events' });
    expect(await after.sizeOf(STRATEGIES.gin)).toBeUndefined();
    expect(await after.sizeOf(STRATEGIES.btree)).toBeGreaterThan(0);
    const { rows } = await pool.query<{ n: number; valid: boolean }>(
      `SELECT (SELECT count(*)::int FROM events) AS n,
              (SELECT indisvalid FROM pg_index WHERE indexrelid = 'events_btree'::regclass) AS valid`,
    );
    expect(rows[0]).toEqual({ n: ROWS, valid: true });
  });
});
