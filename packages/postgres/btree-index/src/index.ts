// The public API of poc-postgres-btree-index: an orders table with or without the B-trees its queries
// need, its deterministic data generator, and a reader of EXPLAIN (FORMAT JSON). Nothing connects at
// import. The index-defeating queries are behind the subpath 'poc-postgres-btree-index/naive'.
export {
  checkRange,
  ordersTable,
  type DayTotals,
  type LoadOptions,
  type OrdersTable,
  type OrdersTableOptions,
} from './btree-index.ts';
export { EPOCH, SECONDS_PER_ORDER, orderRow, lookupIndexes, type Order } from './orders.ts';
export { explainPlan, type PlanNode, type PlanSummary, type Queryable } from './plan.ts';
export {
  BtreeIndexError,
  BtreeIndexArgumentError,
  BtreeIndexServiceError,
  isBtreeIndexError,
  type AnyBtreeIndexError,
  type BtreeIndexErrorCode,
} from './errors.ts';
