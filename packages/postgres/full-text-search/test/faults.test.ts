// When the server dies: a private PostgreSQL (PostgreSQL's default durability: fsync and
// synchronous_commit on) killed with SIGKILL under an indexed article table. Searches fail with the
// package's service error while it is down; afterwards the committed articles, their generated
// tsvectors and the GIN index (crash-safe through the WAL) give the same answers, through the index.
import { privatePostgres } from '@poc/harness';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { articleSearch, isSearchError } from '../src/index.ts';

describe('when the server dies (a private server)', () => {
  it('surfaces a service error while PostgreSQL is down, and finds the same articles through the index after a SIGKILL and restart', async () => {
    const server = await privatePostgres();
    onTestFinished(() => server.close());
    const pool = new pg.Pool({ connectionString: server.url, connectionTimeoutMillis: 5_000 });
    pool.on('error', () => {}); // an idle connection dropped by the kill is expected; queries report it
    onTestFinished(() => pool.end());
    const search = articleSearch(pool, { table: 'articles' });
    await search.createTable();
    await search.generate({ rows: 3_000, seed: 9 });
    await search.createIndexes({ trigram: false });
    await search.analyze();
    const before = await search.search('kubernetes telemetry', { limit: 20 });
    expect(before.length).toBeGreaterThan(0);

    await server.kill();
    const err = await search.search('kubernetes telemetry', { limit: 20 }).catch((e: unknown) => e);
    expect(isSearchError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^searching \(articles\) failed: /);

    await server.start();
    expect(await search.search('kubernetes telemetry', { limit: 20 })).toEqual(before);
    expect((await search.explain({ match: 'kubernetes' })).scans).toContain('Bitmap Index Scan on articles_search_gin');
  });
});
