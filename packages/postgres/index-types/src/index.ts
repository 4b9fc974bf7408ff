// The public API of poc-postgres-index-types: the strategies as data, the events table they index, a
// builder that creates them and reports size and build time, and a plan reader. Nothing connects at
// import. The no-index reference (sequential scan) is behind 'poc-postgres-index-types/naive'.
export {
  EVENT_COLUMNS,
  INDEX_METHODS,
  QUERY_SHAPES,
  STRATEGIES,
  checkStrategy,
  createIndexSql,
  indexName,
  shapeSql,
  type EventColumn,
  type IndexMethod,
  type IndexStrategy,
  type QueryShape,
  type StrategyName,
} from './strategies.ts';
export {
  EVENTS_START,
  MAX_ROWS,
  TAGS_PER_ROW,
  correlation,
  createEvents,
  eventTime,
  tableSize,
  tagName,
  type EventsOptions,
  type EventsTable,
} from './events.ts';
export { indexBuilder, type BuiltIndex, type IndexBuilder, type IndexBuilderOptions } from './builder.ts';
export {
  PLANNER_SWITCHES,
  parsePlan,
  readPlan,
  type PlanNode,
  type PlannerSettings,
  type PlannerSwitch,
  type QueryPlan,
  type ReadPlanOptions,
} from './plan.ts';
export type { PoolLike } from './connection.ts';
export {
  IndexTypesArgumentError,
  IndexTypesError,
  IndexTypesServiceError,
  isIndexTypesError,
  type AnyIndexTypesError,
  type IndexTypesErrorCode,
} from './errors.ts';
