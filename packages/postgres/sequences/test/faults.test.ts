// When the server dies (POC_STANDARD.md §3): a private server with PostgreSQL's default durability
// (fsync=on, synchronous_commit=on), registered for cleanup before the body, SIGKILLed after some
// acknowledged inserts. An insert while it is down fails with a ServiceError; after the restart every
// acknowledged row is there, and the sequence does not hand out an acknowledged id again (it WAL-logs
// values ahead of use, so a crash leaves a gap instead).
import { privatePostgres } from '@poc/harness';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { identityKeys, isSequencesError, keyedTable } from '../src/index.ts';

describe('when the server dies (a private server)', () => {
  it('keeps every acknowledged row across a kill, and the next id is past all of them', async () => {
    const server = await privatePostgres();
    onTestFinished(() => server.close());
    const pool = new pg.Pool({ connectionString: server.url, connectionTimeoutMillis: 5_000 });
    pool.on('error', () => {}); // an idle connection dropped by the kill is expected; queries report it
    onTestFinished(() => pool.end());
    const table = keyedTable(pool, identityKeys, { table: 'orders' });
    await table.create();
    const acknowledged: string[] = [];
    for (let i = 0; i < 20; i++) acknowledged.push(...(await table.insert([`a${i}`, `b${i}`])));

    await server.kill();
    const err = await table.insert(['while down']).catch((e: unknown) => e);
    expect(isSequencesError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^inserting 1 rows into orders failed/);

    await server.start();
    const { rows } = await pool.query<{ id: string }>('SELECT id::text AS id FROM orders ORDER BY orders.id');
    expect(rows.map((r) => r.id)).toEqual(acknowledged);
    const [next] = await table.insert(['after restart']);
    expect(Number(next)).toBeGreaterThan(Math.max(...acknowledged.map(Number)));
  });
});
