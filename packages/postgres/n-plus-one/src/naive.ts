// What a resolver tree does when each resolver simply queries for its own parent: one query for the
// authors, then one per author for its posts, then one per post for its comments: 1 + N + N·F queries,
// each a cheap index lookup, and every one a round trip. Same interface as the strategies in
// ./tree.ts, so tests and the bench compare like with like. Import it from 'poc-postgres-n-plus-one/naive'.
import { checkDb } from './blog.ts';
import { postgresCall } from './errors.ts';
import {
  AUTHORS_SQL,
  checkCall,
  resolveTree,
  type AuthorRow,
  type Comment,
  type PostRow,
  type Queryable,
  type TreeSource,
} from './tree.ts';

export function naiveTree(db: Queryable): TreeSource {
  checkDb(db);
  return {
    strategy: 'naive',
    async authors(first, options) {
      const signal = checkCall(first, options);
      return resolveTree(
        {
          authors: async (n) =>
            (await postgresCall(`loading ${n} authors`, () => db.query<AuthorRow>(AUTHORS_SQL, [n]))).rows,
          posts: async (author) => {
            signal?.throwIfAborted();
            const { rows } = await postgresCall(`loading the posts of author ${author.id}`, () =>
              db.query<PostRow>('SELECT id, title FROM posts WHERE author_id = $1 ORDER BY id', [author.id]),
            );
            return rows;
          },
          comments: async (post) => {
            signal?.throwIfAborted();
            const { rows } = await postgresCall(`loading the comments of post ${post.id}`, () =>
              db.query<Comment>('SELECT id, body FROM comments WHERE post_id = $1 ORDER BY id', [post.id]),
            );
            return rows;
          },
        },
        first,
      );
    },
  };
}
