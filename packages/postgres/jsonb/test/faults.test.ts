// When the server dies: a private PostgreSQL (PostgreSQL's default durability: fsync and
// synchronous_commit on) killed with SIGKILL under a loaded, indexed table. Queries fail with the
// package's service error while it is down, and afterwards the committed documents and the GIN index
// (crash-safe through the WAL) answer exactly as before, through the index.
import { privatePostgres } from '@poc/harness';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { documentStore, isJsonbError, type JsonbQuery } from '../src/index.ts';

describe('when the server dies (a private server)', () => {
  it('surfaces a service error while PostgreSQL is down, and answers the same through the index after a SIGKILL and restart', async () => {
    const server = await privatePostgres();
    onTestFinished(() => server.close());
    const pool = new pg.Pool({ connectionString: server.url, connectionTimeoutMillis: 5_000 });
    pool.on('error', () => {}); // an idle connection dropped by the kill is expected; queries report it
    onTestFinished(() => pool.end());
    const store = documentStore(pool, { table: 'docs', index: 'jsonb_path_ops' });
    await store.createTable();
    await store.generate({ rows: 5_000, seed: 3 });
    await store.createIndex();
    await store.analyze();
    const query: JsonbQuery = { contains: { category: 'toys', attrs: { size: 'M' } } };
    const before = await store.find(query);
    expect(before.length).toBeGreaterThan(10);

    await server.kill();
    const err = await store.find(query).catch((e: unknown) => e);
    expect(isJsonbError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^finding documents \(docs\) failed: /);

    await server.start();
    expect(await store.find(query)).toEqual(before);
    expect((await store.explain(query)).scans).toContain('Bitmap Index Scan on docs_doc_gin');
  });
});
