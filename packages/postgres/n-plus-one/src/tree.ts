// One page of a GraphQL-style API: the first N authors, each with its posts, each with its comments.
// The tree is walked the way GraphQL executes resolvers (every list item resolves its own children,
// siblings at once); what differs between the strategies is only what a resolver does with the database.
// - dataLoaderTree: each resolver asks a per-request DataLoader; the loads of one level, issued in the
//   same tick, become one `= ANY($1)` query. Authors -> posts -> comments = 3 queries, whatever N is.
// - joinTree: what an ORM's eager loading with joins does: one LEFT JOIN query, rows folded into the tree.
// The naive resolvers (one query per parent, 1 + N + N·F queries) are in ./naive.ts.
import DataLoader from 'dataloader';
import type pg from 'pg';
import { checkDb } from './blog.ts';
import { check, postgresCall } from './errors.ts';

/** What the strategies need from pg: a Pool, a PoolClient or a Client fits. */
export type Queryable = Pick<pg.Pool, 'query'>;

export interface Comment {
  id: number;
  body: string;
}
export interface Post {
  id: number;
  title: string;
  comments: Comment[];
}
export interface Author {
  id: number;
  name: string;
  posts: Post[];
}
export type AuthorRow = Omit<Author, 'posts'>;
export type PostRow = Omit<Post, 'comments'>;

/** Loads the first `first` authors (by id) with every post and comment, children ordered by id. */
export interface TreeSource {
  readonly strategy: 'naive' | 'dataloader' | 'join';
  authors(first: number, options?: { signal?: AbortSignal }): Promise<Author[]>;
}

/** The resolvers of the three fields; `signal` is checked before each query is sent. */
export interface Resolvers {
  authors(first: number): Promise<AuthorRow[]>;
  posts(author: AuthorRow): Promise<PostRow[]>;
  comments(post: PostRow): Promise<Comment[]>;
}

/** Walks the tree as a GraphQL executor does: each item's children resolved by its own call, siblings concurrently. */
export async function resolveTree(resolvers: Resolvers, first: number): Promise<Author[]> {
  const authors = await resolvers.authors(first);
  return Promise.all(
    authors.map(async (author) => {
      const posts = await resolvers.posts(author);
      const withComments = await Promise.all(
        posts.map(async (post) => ({ ...post, comments: await resolvers.comments(post) })),
      );
      return { ...author, posts: withComments };
    }),
  );
}

export const AUTHORS_SQL = 'SELECT id, name FROM authors ORDER BY id LIMIT $1';

/** Checks the arguments every strategy's authors() takes; shared with ./naive.ts. */
export function checkCall(first: unknown, options: { signal?: AbortSignal } | undefined): AbortSignal | undefined {
  check.positiveInt('first', first);
  check.options('options', options);
  check.signal('options.signal', options?.signal);
  options?.signal?.throwIfAborted();
  return options?.signal;
}

export interface DataLoaderTreeOptions {
  /** Keys per batch query (DataLoader's maxBatchSize); default unlimited: one query per level. */
  maxBatchSize?: number;
}

/** Groups rows by a key column, in the order of `keys` (DataLoader's contract: one result per key). */
function byKey<R>(keys: readonly number[], rows: R[], keyOf: (row: R) => number): R[][] {
  const groups = new Map<number, R[]>(keys.map((k) => [k, []]));
  for (const row of rows) groups.get(keyOf(row))!.push(row);
  return keys.map((k) => groups.get(k)!);
}

/** DataLoader batching: 3 queries per tree (one per level) when every level fits one batch. */
export function dataLoaderTree(db: Queryable, options: DataLoaderTreeOptions = {}): TreeSource {
  checkDb(db);
  check.options('options', options);
  const { maxBatchSize = Infinity } = options;
  if (maxBatchSize !== Infinity) check.positiveInt('options.maxBatchSize', maxBatchSize);
  return {
    strategy: 'dataloader',
    async authors(first, callOptions) {
      const signal = checkCall(first, callOptions);
      // One pair of loaders per request: its cache then lives as long as the request, so a later
      // request never sees rows cached before a write (a loader shared across requests would).
      const posts = new DataLoader<number, PostRow[]>(
        async (authorIds) => {
          signal?.throwIfAborted();
          const { rows } = await postgresCall(`loading the posts of ${authorIds.length} authors`, () =>
            db.query<PostRow & { author_id: number }>(
              'SELECT id, author_id, title FROM posts WHERE author_id = ANY($1::int[]) ORDER BY author_id, id',
              [authorIds],
            ),
          );
          return byKey(authorIds, rows, (r) => r.author_id).map((group) =>
            group.map(({ id, title }) => ({ id, title })),
          );
        },
        { maxBatchSize },
      );
      const comments = new DataLoader<number, Comment[]>(
        async (postIds) => {
          signal?.throwIfAborted();
          const { rows } = await postgresCall(`loading the comments of ${postIds.length} posts`, () =>
            db.query<Comment & { post_id: number }>(
              'SELECT id, post_id, body FROM comments WHERE post_id = ANY($1::int[]) ORDER BY post_id, id',
              [postIds],
            ),
          );
          return byKey(postIds, rows, (r) => r.post_id).map((group) => group.map(({ id, body }) => ({ id, body })));
        },
        { maxBatchSize },
      );
      return resolveTree(
        {
          authors: async (n) => {
            const { rows } = await postgresCall(`loading ${n} authors`, () => db.query<AuthorRow>(AUTHORS_SQL, [n]));
            return rows;
          },
          posts: (author) => posts.load(author.id),
          comments: (post) => comments.load(post.id),
        },
        first,
      );
    },
  };
}

export const JOIN_SQL = `
  SELECT a.id, a.name, p.id AS post_id, p.title, c.id AS comment_id, c.body
    FROM (SELECT id, name FROM authors ORDER BY id LIMIT $1) a
    LEFT JOIN posts p ON p.author_id = a.id
    LEFT JOIN comments c ON c.post_id = p.id
   ORDER BY a.id, p.id, c.id`;

interface JoinRow {
  id: number;
  name: string;
  post_id: number | null;
  title: string | null;
  comment_id: number | null;
  body: string | null;
}

/**
 * ORM-style eager loading with joins: one query, one row per comment (author and post columns repeated
 * on each), folded back into the tree. An author without posts comes back as one row of NULLs.
 */
export function joinTree(db: Queryable): TreeSource {
  checkDb(db);
  return {
    strategy: 'join',
    async authors(first, callOptions) {
      checkCall(first, callOptions);
      const { rows } = await postgresCall(`loading ${first} authors with posts and comments in one join`, () =>
        db.query<JoinRow>(JOIN_SQL, [first]),
      );
      const authors: Author[] = [];
      let author: Author | undefined;
      let post: Post | undefined;
      for (const r of rows) {
        if (author?.id !== r.id) {
          author = { id: r.id, name: r.name, posts: [] };
          authors.push(author);
          post = undefined;
        }
        if (r.post_id === null) continue;
        if (post?.id !== r.post_id) {
          post = { id: r.post_id, title: r.title!, comments: [] };
          author.posts.push(post);
        }
        if (r.comment_id !== null) post.comments.push({ id: r.comment_id, body: r.body! });
      }
      return authors;
    },
  };
}

export interface QueryCounter {
  /** Use this in place of the pool: every query() through it is counted. */
  readonly db: Queryable;
  /** Statements sent since creation or the last reset(). */
  readonly count: number;
  /** The SQL of each statement, in order. */
  readonly statements: readonly string[];
  reset(): void;
}

/** Counts statements at the client (pg_stat_statements is not needed): wraps query() of a pool or client. */
export function countQueries(db: Queryable): QueryCounter {
  checkDb(db);
  const statements: string[] = [];
  const counted = {
    query: (...args: unknown[]) => {
      const first = args[0];
      statements.push(typeof first === 'string' ? first : String((first as { text?: unknown })?.text));
      return (db.query as (...a: unknown[]) => unknown)(...args);
    },
  } as unknown as Queryable;
  return {
    db: counted,
    get count() {
      return statements.length;
    },
    statements,
    reset: () => void (statements.length = 0),
  };
}
