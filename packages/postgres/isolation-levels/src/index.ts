export {
  ISOLATION_LEVELS,
  backoffDelay,
  inTransaction,
  transactionRunner,
  type ConnectionSource,
  type IsolationLevel,
  type RetryEvent,
  type TransactionBody,
  type TransactionContext,
  type TransactionOptions,
  type TransactionRunner,
} from './transaction.ts';
export {
  CommitRolledBackError,
  RetriesExhaustedError,
  TransactionArgumentError,
  TransactionError,
  isTransactionError,
  type AnyTransactionError,
  type TransactionErrorCode,
  // What the runner retries by default, for a shouldRetry of your own: PostgreSQL's errors, by SQLSTATE.
  DEADLOCK_DETECTED,
  SERIALIZATION_FAILURE,
  isDeadlock,
  isRetryableTransactionError,
  isSerializationFailure,
  sqlState,
} from './errors.ts';
