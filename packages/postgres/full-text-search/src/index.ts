// The public API of poc-postgres-full-text-search: the searchable article table (tsvector in a
// generated column, GIN, ranking, pg_trgm), its corpus generator and plan summaries. The ILIKE version
// is behind 'poc-postgres-full-text-search/naive'.
export {
  RANKINGS,
  articleSearch,
  statementSql,
  type ArticleSearch,
  type ArticleSearchOptions,
  type Hit,
  type Queryable,
  type Ranking,
  type SearchStatement,
} from './search.ts';
export {
  BODY_WORDS,
  COLLOCATION_ONE_IN,
  TITLE_WORDS,
  article,
  generateArticles,
  insertArticles,
  type Article,
  type GenerateOptions,
} from './corpus.ts';
export { COLLOCATIONS, VOCABULARY } from './vocabulary.ts';
export { planSummary, type PlanNode, type PlanSummary } from './plan.ts';
export {
  SearchError,
  SearchArgumentError,
  SearchServiceError,
  isSearchError,
  type AnySearchError,
  type SearchErrorCode,
} from './errors.ts';
