// The public API of poc-resilience-bulkhead: one Policy factory (it composes with the kit's compose()
// and the other resilience POCs) and its error guard. The naive variant is behind the subpath
// 'poc-resilience-bulkhead/naive'; the lab service and client used by tests, bench and demo are in src/lab/.
export { bulkhead, type Bulkhead, type BulkheadOptions, type BulkheadStats } from './bulkhead.ts';
export {
  BulkheadError,
  BulkheadArgumentError,
  BulkheadFullError,
  isBulkheadError,
  type AnyBulkheadError,
  type BulkheadErrorCode,
} from './errors.ts';
