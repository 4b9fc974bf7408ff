// The public API of poc-postgres-connection-pool: a metered pg.Pool with a bounded acquire, its typed
// errors and the workload it is measured with. Nothing connects at import. Connect-per-request (the
// naive variant) is behind the subpath 'poc-postgres-connection-pool/naive'.
export {
  connectionLost,
  meteredPool,
  percentile,
  preciseClock,
  type Checkout,
  type MeteredPool,
  type MeteredPoolOptions,
  type PoolStats,
  type WaitSummary,
} from './connection-pool.ts';
export {
  PoolArgumentError,
  PoolError,
  PoolRefusedError,
  PoolServiceError,
  PoolTimeoutError,
  TOO_MANY_CONNECTIONS,
  isPoolError,
  sqlState,
  type AnyPoolError,
  type PoolErrorCode,
  type PoolSnapshot,
} from './errors.ts';
export { ACCOUNTS_DDL, CPU_SCAN, SLEEP_READ, createAccounts, type Queryable } from './workload.ts';
