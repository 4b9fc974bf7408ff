// The public API of poc-postgres-crud: the service factory, the repository and its pure query builder,
// the schema and data generator, the problem format, and the errors. Nothing connects at import.
// Connect-per-request (the naive database source) is behind the subpath 'poc-postgres-crud/naive'.
export { decodeCursor, encodeCursor, itemsApi, type ItemsApiOptions } from './crud.ts';
export {
  ITEM_COLUMNS,
  SORTS,
  itemsRepository,
  listQuery,
  type Item,
  type ItemsRepository,
  type ListFilter,
  type ListPage,
  type ListRequest,
  type NewItem,
  type Sort,
} from './items.ts';
export { PROBLEM_CONTENT_TYPE, PROBLEM_TYPES, type FieldProblem, type Problem } from './problems.ts';
export { CATEGORIES, checkTable, itemsDdl, seedItems, type Queryable } from './schema.ts';
export {
  CrudArgumentError,
  CrudError,
  CrudServiceError,
  UNIQUE_VIOLATION,
  isCrudError,
  sqlState,
  type AnyCrudError,
  type CrudErrorCode,
} from './errors.ts';
