// The public API of poc-postgres-covering-index: customers' orders under no index, a composite index or
// a covering one, with the visibility-map controls (touch, vacuum, visibility), the deterministic data
// generator, and a reader of EXPLAIN (FORMAT JSON) that sums "Heap Fetches". Nothing connects at import.
// The SELECT * variant is behind the subpath 'poc-postgres-covering-index/naive'.
export {
  checkFilter,
  customerOrders,
  type CustomerOrders,
  type CustomerOrdersOptions,
  type LoadOptions,
  type Totals,
  type TotalsFilter,
} from './covering-index.ts';
export { EPOCH, INDEX_SHAPES, SECONDS_PER_ORDER, indexFor, orderRow, type IndexShape, type Order } from './orders.ts';
export { explainPlan, type PlanNode, type PlanSummary, type Queryable } from './plan.ts';
export {
  CoveringIndexError,
  CoveringIndexArgumentError,
  CoveringIndexServiceError,
  isCoveringIndexError,
  type AnyCoveringIndexError,
  type CoveringIndexErrorCode,
} from './errors.ts';
