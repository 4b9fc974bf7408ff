// The three strategies against a real server: they return the same tree (read back and counted on the
// server), and the statements each sends are counted at the client: naive 1 + N + posts, DataLoader one
// per level, the join one. No timing here: speed is the bench's job.
import { postgresDatabase, type PostgresDatabase } from '@poc/harness';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countQueries,
  createBlogSchema,
  dataLoaderTree,
  isNPlusOneError,
  joinTree,
  seedBlog,
  type Author,
  type Queryable,
  type TreeSource,
} from '../src/index.ts';
import { naiveTree } from '../src/naive.ts';

const SIZE = { authors: 60, postsPerAuthor: 4, commentsPerPost: 3, seed: 7 };
let db: PostgresDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await postgresDatabase({ name: 'n_plus_one' });
  pool = db.pool({ max: 4 });
  await createBlogSchema(pool);
  await seedBlog(pool, SIZE);
  // The edges a tree builder gets wrong: an author with no posts (a row of NULLs in a LEFT JOIN, an
  // empty group for DataLoader) and a post with no comments. Author 0 sorts first, so every page has it.
  await pool.query(`INSERT INTO authors VALUES (0, 'author without posts');
    INSERT INTO posts VALUES (100000, 1, 'post without comments')`);
});
afterAll(() => db?.close());

const strategies: Array<[string, (q: Queryable) => TreeSource]> = [
  ['naive', naiveTree],
  ['dataloader', (q) => dataLoaderTree(q)],
  ['join', joinTree],
];

/** The page as the server counts it, for the first `n` authors: independent of any strategy's code. */
async function serverCounts(n: number): Promise<{ authors: number; posts: number; comments: number }> {
  const { rows } = await pool.query<{ authors: number; posts: number; comments: number }>(
    `WITH a AS (SELECT id FROM authors ORDER BY id LIMIT $1)
     SELECT (SELECT count(*)::int FROM a) AS authors,
            (SELECT count(*)::int FROM posts WHERE author_id IN (SELECT id FROM a)) AS posts,
            (SELECT count(*)::int FROM comments WHERE post_id IN
              (SELECT id FROM posts WHERE author_id IN (SELECT id FROM a))) AS comments`,
    [n],
  );
  return rows[0]!;
}

const shape = (tree: Author[]) => ({
  authors: tree.length,
  posts: tree.reduce((n, a) => n + a.posts.length, 0),
  comments: tree.reduce((n, a) => n + a.posts.reduce((m, p) => m + p.comments.length, 0), 0),
});

describe('the same tree from every strategy', () => {
  it('returns identical trees from naive resolvers, DataLoader and the join, holding every row of the page', async () => {
    const [naive, loader, join] = await Promise.all(strategies.map(([, make]) => make(pool).authors(20)));
    expect(loader).toEqual(naive);
    expect(join).toEqual(naive);
    expect(shape(naive!)).toEqual(await serverCounts(20));
    expect(naive![0]).toEqual({ id: 0, name: 'author without posts', posts: [] });
    expect(naive![1]!.posts.at(-1)).toEqual({ id: 100000, title: 'post without comments', comments: [] });
    // Children come in id order, and each comment is the one the server holds under that post.
    const { rows } = await pool.query<{ id: number; body: string }>(
      'SELECT id, body FROM comments WHERE post_id = $1 ORDER BY id',
      [naive![5]!.posts[2]!.id],
    );
    expect(naive![5]!.posts[2]!.comments).toEqual(rows);
  });

  it('is deterministic from the seed: the same size and seed give the same rows', async () => {
    const other = await postgresDatabase({ name: 'n_plus_one_seed' });
    try {
      const p = other.pool({ max: 2 });
      await createBlogSchema(p);
      await seedBlog(p, SIZE);
      const page = await joinTree(p).authors(10);
      const mine = (await joinTree(pool).authors(11)).slice(1); // without author 0, added above
      mine[0]!.posts.pop(); // and without post 100000
      expect(page).toEqual(mine);
    } finally {
      await other.close();
    }
  });
});

describe('queries sent per page (counted at the client)', () => {
  it.each([5, 20, 61])(
    'for %i authors: naive sends 1 + N + one per post, DataLoader 3 (one per level), the join 1',
    async (n) => {
      const expected = await serverCounts(n);
      const sent: Record<string, number> = {};
      for (const [name, make] of strategies) {
        const counter = countQueries(pool);
        await make(counter.db).authors(n);
        sent[name] = counter.count;
      }
      expect(sent).toEqual({ naive: 1 + expected.authors + expected.posts, dataloader: 3, join: 1 });
    },
  );

  it('break it: the naive count grows with the page while the batched one stays at 3', async () => {
    const counts = async (make: (q: Queryable) => TreeSource, n: number): Promise<number> => {
      const counter = countQueries(pool);
      await make(counter.db).authors(n);
      return counter.count;
    };
    const naive = [await counts(naiveTree, 10), await counts(naiveTree, 40)];
    const loader = [await counts((q) => dataLoaderTree(q), 10), await counts((q) => dataLoaderTree(q), 40)];
    // 4 posts per author: every author more costs 1 + 4 queries.
    expect(naive[1]! - naive[0]!).toBe(30 * (1 + SIZE.postsPerAuthor));
    expect(loader).toEqual([3, 3]);
  });

  it('with maxBatchSize 8, each level is split into batches of at most 8 keys, and the tree is unchanged', async () => {
    const counter = countQueries(pool);
    const tree = await dataLoaderTree(counter.db, { maxBatchSize: 8 }).authors(20);
    const { authors, posts } = await serverCounts(20);
    expect(counter.count).toBe(1 + Math.ceil(authors / 8) + Math.ceil(posts / 8));
    const batchSizes = counter.statements.map((s) => s.slice(0, 40));
    expect(batchSizes.filter((s) => s.includes('FROM posts')).length).toBe(Math.ceil(authors / 8));
    expect(tree).toEqual(await joinTree(pool).authors(20));
  });

  it('batches one level into a single ANY($1) statement, not one per key', async () => {
    const counter = countQueries(pool);
    await dataLoaderTree(counter.db).authors(5);
    expect(counter.statements.map((s) => s.replace(/\s+/g, ' ').trim())).toEqual([
      'SELECT id, name FROM authors ORDER BY id LIMIT $1',
      'SELECT id, author_id, title FROM posts WHERE author_id = ANY($1::int[]) ORDER BY author_id, id',
      'SELECT id, post_id, body FROM comments WHERE post_id = ANY($1::int[]) ORDER BY post_id, id',
    ]);
  });
});

describe('per-request loaders, abort and errors', () => {
  it('keeps no cache across requests: a comment written between two pages shows in the second', async () => {
    const source = dataLoaderTree(pool);
    const before = await source.authors(3);
    await pool.query(`INSERT INTO comments VALUES (900001, $1, 'written between two requests')`, [
      before[2]!.posts[0]!.id,
    ]);
    try {
      const after = await source.authors(3);
      expect(after[2]!.posts[0]!.comments.at(-1)).toEqual({ id: 900001, body: 'written between two requests' });
    } finally {
      await pool.query('DELETE FROM comments WHERE id = 900001');
    }
  });

  it.each(strategies)('%s: an aborted signal rejects with its reason before any query is sent', async (_name, make) => {
    const counter = countQueries(pool);
    const controller = new AbortController();
    controller.abort(new Error('client went away'));
    await expect(make(counter.db).authors(10, { signal: controller.signal })).rejects.toThrow('client went away');
    expect(counter.count).toBe(0);
  });

  it.each(strategies)(
    '%s: a server error becomes an NPlusOneServiceError saying what was loaded',
    async (_name, make) => {
      const other = await postgresDatabase({ name: 'n_plus_one_broken' });
      try {
        const p = other.pool({ max: 2 });
        await createBlogSchema(p);
        await seedBlog(p, { authors: 3, postsPerAuthor: 2, commentsPerPost: 1 });
        await p.query('ALTER TABLE comments RENAME TO comments_gone');
        const err = await make(p)
          .authors(3)
          .catch((e: unknown) => e);
        expect(isNPlusOneError(err, 'service')).toBe(true);
        expect((err as Error).message).toMatch(/^loading .*comments.* failed: relation "comments" does not exist$/);
      } finally {
        await other.close();
      }
    },
  );
});
