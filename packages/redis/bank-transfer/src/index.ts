// The public API of poc-redis-bank-transfer: a ledger whose transfers are atomic Lua scripts under an
// idempotency key, and that idempotency key on its own (runIdempotent), for any other Lua operation.
// Nothing connects at import. The naive ledgers are behind the subpath 'poc-redis-bank-transfer/naive'.
export {
  ledger,
  ledgerKeys,
  DEFAULT_IDEMPOTENCY_TTL_MS,
  type Ledger,
  type LedgerOptions,
  type Transfer,
  type TransferReceipt,
} from './ledger.ts';
export { idempotentScript, runIdempotent, type IdempotencyRecord, type IdempotentResult } from './idempotency.ts';
export {
  BankTransferError,
  BankTransferArgumentError,
  BankTransferServiceError,
  InsufficientFundsError,
  UnknownAccountError,
  AccountExistsError,
  IdempotencyConflictError,
  isBankTransferError,
  type AnyBankTransferError,
  type BankTransferErrorCode,
} from './errors.ts';
