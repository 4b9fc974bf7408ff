// When the server dies mid-page: a private server, registered for cleanup before the body, SIGKILLed;
// every strategy rejects with its typed service error (no hang, no half-built tree returned), and the
// same source works again once the server is back. Nothing is written, so durability is not at stake.
import { privatePostgres } from '@poc/harness';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createBlogSchema, dataLoaderTree, isNPlusOneError, joinTree, seedBlog } from '../src/index.ts';
import { naiveTree } from '../src/naive.ts';

describe('when PostgreSQL dies (a private server)', () => {
  it('rejects with NPlusOneServiceError from every strategy while it is down, and recovers after a restart', async () => {
    const server = await privatePostgres();
    onTestFinished(() => server.close());
    const pool = new pg.Pool({ connectionString: server.url, max: 4, connectionTimeoutMillis: 5_000 });
    pool.on('error', () => {}); // idle connections dropped by the kill are expected; queries report it
    onTestFinished(() => pool.end());
    await createBlogSchema(pool);
    await seedBlog(pool, { authors: 10, postsPerAuthor: 3, commentsPerPost: 2 });
    const sources = [naiveTree(pool), dataLoaderTree(pool), joinTree(pool)];
    const before = await Promise.all(sources.map((s) => s.authors(10)));

    await server.kill();
    for (const source of sources) {
      const err = await source.authors(10).catch((e: unknown) => e);
      expect(isNPlusOneError(err, 'service'), `${source.strategy}: ${String(err)}`).toBe(true);
      expect((err as Error).message).toMatch(/^loading .* failed: /);
    }

    await server.start();
    const after = await Promise.all(sources.map((s) => s.authors(10)));
    expect(after).toEqual(before);
  });
});
