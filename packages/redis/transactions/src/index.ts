// The public API of poc-redis-transactions: multiExec() runs a batch of commands as one MULTI/EXEC and
// says exactly what was applied; accounts() is the atomic move built on it. Nothing connects at import.
// The non-atomic modes (unbatched, pipelined) are behind the subpath 'poc-redis-transactions/naive'.
export { multiExec, type Arg, type Batch, type BatchMode, type Command } from './transactions.ts';
export { accounts, type Accounts, type AccountsOptions } from './accounts.ts';
export {
  TransactionsError,
  TransactionsArgumentError,
  TransactionsServiceError,
  TransactionAbortedError,
  TransactionPartialError,
  isTransactionsError,
  type AnyTransactionsError,
  type CommandApplied,
  type CommandFailure,
  type TransactionsErrorCode,
} from './errors.ts';
