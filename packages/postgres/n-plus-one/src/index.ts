// The public API of poc-postgres-n-plus-one: two ways to load a tree without N+1 queries (DataLoader
// batching, one ORM-style join), a query counter, and the blog schema with its generator. Nothing
// connects at import. The naive resolvers are behind the subpath 'poc-postgres-n-plus-one/naive'.
export {
  countQueries,
  dataLoaderTree,
  joinTree,
  resolveTree,
  type Author,
  type AuthorRow,
  type Comment,
  type DataLoaderTreeOptions,
  type Post,
  type PostRow,
  type QueryCounter,
  type Queryable,
  type Resolvers,
  type TreeSource,
} from './tree.ts';
export { createBlogSchema, seedBlog, type BlogSize } from './blog.ts';
export {
  NPlusOneError,
  NPlusOneArgumentError,
  NPlusOneServiceError,
  isNPlusOneError,
  type AnyNPlusOneError,
  type NPlusOneErrorCode,
} from './errors.ts';
