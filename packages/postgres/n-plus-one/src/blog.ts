// The data every side reads: authors -> posts -> comments, the shape of any "list with children with
// children" page (orders -> lines -> products is the same tree). Rows are generated server-side with
// generate_series, deterministic from a seed: the same arguments give the same database.
import type { Queryable } from './tree.ts';
import { check, postgresCall } from './errors.ts';

export interface BlogSize {
  authors: number;
  /** Every author gets exactly this many posts. */
  postsPerAuthor: number;
  /** Every post gets exactly this many comments. */
  commentsPerPost: number;
  /** Decides the text of names, titles and bodies (default 1). */
  seed?: number;
}

/** Tables with the foreign-key indexes any ORM migration creates: the N+1 is slow even with them. */
export async function createBlogSchema(db: Queryable): Promise<void> {
  checkDb(db);
  await postgresCall('creating the blog schema', () =>
    db.query(`
      CREATE TABLE authors (id int PRIMARY KEY, name text NOT NULL);
      CREATE TABLE posts (id int PRIMARY KEY, author_id int NOT NULL REFERENCES authors, title text NOT NULL);
      CREATE TABLE comments (id int PRIMARY KEY, post_id int NOT NULL REFERENCES posts, body text NOT NULL);
      CREATE INDEX posts_author_id ON posts (author_id);
      CREATE INDEX comments_post_id ON comments (post_id);`),
  );
}

/**
 * Fills the empty tables in three INSERT ... SELECT statements and ANALYZEs them. Post p belongs to
 * author 1 + (p - 1) % authors and comment c to post 1 + (c - 1) % posts, so every parent has exactly
 * the stated number of children, spread through the table as if written over time (not clustered).
 */
export async function seedBlog(
  db: Queryable,
  size: BlogSize,
): Promise<{ authors: number; posts: number; comments: number }> {
  checkDb(db);
  check.kind(typeof size === 'object' && size !== null, 'size', 'must be an object', size);
  check.positiveInt('size.authors', size.authors);
  check.nonNegativeInt('size.postsPerAuthor', size.postsPerAuthor);
  check.nonNegativeInt('size.commentsPerPost', size.commentsPerPost);
  const seed = size.seed ?? 1;
  check.nonNegativeInt('size.seed', seed);
  const authors = size.authors;
  const posts = authors * size.postsPerAuthor;
  const comments = posts * size.commentsPerPost;
  await postgresCall('generating the blog', async () => {
    await db.query(
      `INSERT INTO authors SELECT i, 'author ' || i || ' ' || left(md5($2 || ':a:' || i), 8)
         FROM generate_series(1, $1::int) i`,
      [authors, seed],
    );
    await db.query(
      `INSERT INTO posts SELECT p, 1 + (p - 1) % $2::int, 'post ' || p || ': ' || left(md5($3 || ':p:' || p), 24)
         FROM generate_series(1, $1::int) p`,
      [posts, authors, seed],
    );
    await db.query(
      `INSERT INTO comments SELECT c, 1 + (c - 1) % $2::int, repeat(md5($3 || ':c:' || c), 3)
         FROM generate_series(1, $1::int) c`,
      [comments, Math.max(posts, 1), seed],
    );
    await db.query('ANALYZE authors, posts, comments');
  });
  return { authors, posts, comments };
}

export function checkDb(db: unknown): asserts db is Queryable {
  check.kind(
    typeof db === 'object' && db !== null && typeof (db as { query?: unknown }).query === 'function',
    'db',
    'must be a pg.Pool or pg.Client (an object with query())',
    db,
  );
}
