// The public API of poc-postgres-jsonb: a JSONB document table with a chosen GIN operator class, its
// data generator, and plan summaries. The naive statements are behind 'poc-postgres-jsonb/naive'.
export {
  JSONB_INDEXES,
  documentStore,
  indexableOperators,
  querySql,
  type DocumentStore,
  type DocumentStoreOptions,
  type JsonbIndex,
  type JsonbQuery,
  type Queryable,
} from './store.ts';
export {
  CATEGORIES,
  COLORS,
  DISCOUNT_ONE_IN,
  SIZES,
  TAGS,
  TAG_ONE_IN,
  generateDocuments,
  type GenerateOptions,
} from './documents.ts';
export { planSummary, type PlanNode, type PlanSummary } from './plan.ts';
export {
  JsonbError,
  JsonbArgumentError,
  JsonbServiceError,
  isJsonbError,
  type AnyJsonbError,
  type JsonbErrorCode,
} from './errors.ts';
