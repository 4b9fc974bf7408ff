// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server, and a refused transfer from both, with one guard:
// `isBankTransferError(e, 'insufficient-funds')`. A refused transfer moved nothing.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type BankTransferErrorCode =
  'argument' | 'service' | 'insufficient-funds' | 'unknown-account' | 'account-exists' | 'idempotency-conflict';

/** Base of every error this package throws: `isBankTransferError(e, code?)` tells them apart. */
export abstract class BankTransferError extends PocError {
  readonly scope = 'poc-redis-bank-transfer';
  abstract override readonly code: BankTransferErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class BankTransferArgumentError extends BankTransferError {
  readonly code = 'argument';
}

/**
 * Redis failed or could not be reached; `cause` is the client's error. The transfer may or may not have
 * run: send it again with the same key, and the idempotency record answers with what happened.
 */
export class BankTransferServiceError extends BankTransferError {
  readonly code = 'service';
}

/** The paying account holds less than the amount: nothing was moved. Recorded under the key like a success. */
export class InsufficientFundsError extends BankTransferError {
  readonly code = 'insufficient-funds';
  readonly key: string;
  readonly account: string;
  /** The paying account's balance when the transfer was decided. */
  readonly balance: number;
  readonly amount: number;
  /** True when this answer came from the idempotency record of an earlier run. */
  readonly replayed: boolean;
  constructor(fields: { key: string; account: string; balance: number; amount: number; replayed: boolean }) {
    super(
      `transfer "${fields.key}" refused: account "${fields.account}" holds ${fields.balance}, less than ${fields.amount}; nothing was moved`,
    );
    this.key = fields.key;
    this.account = fields.account;
    this.balance = fields.balance;
    this.amount = fields.amount;
    this.replayed = fields.replayed;
  }
}

/** An account named in a transfer (or a balance read) does not exist: nothing was moved. */
export class UnknownAccountError extends BankTransferError {
  readonly code = 'unknown-account';
  readonly account: string;
  /** The transfer that named it, if any. */
  readonly key: string | undefined;
  /** True when this answer came from the idempotency record of an earlier run. */
  readonly replayed: boolean;
  constructor(fields: { account: string; key?: string; replayed?: boolean }) {
    super(
      fields.key === undefined
        ? `account "${fields.account}" does not exist`
        : `transfer "${fields.key}" refused: account "${fields.account}" does not exist; nothing was moved`,
    );
    this.account = fields.account;
    this.key = fields.key;
    this.replayed = fields.replayed ?? false;
  }
}

/** open() of an account that exists already: its balance was left as it was. */
export class AccountExistsError extends BankTransferError {
  readonly code = 'account-exists';
  readonly account: string;
  constructor(account: string) {
    super(`account "${account}" exists already; its balance was left as it was`);
    this.account = account;
  }
}

/** The idempotency key was used before for a different transfer: nothing was moved. */
export class IdempotencyConflictError extends BankTransferError {
  readonly code = 'idempotency-conflict';
  readonly key: string;
  /** The transfer first recorded under the key, as its fingerprint. */
  readonly recorded: string;
  readonly requested: string;
  constructor(key: string, recorded: string, requested: string) {
    super(
      `transfer "${key}" refused: the key was used for another transfer (${recorded}, now ${requested}); nothing was moved`,
    );
    this.key = key;
    this.recorded = recorded;
    this.requested = requested;
  }
}

export type AnyBankTransferError =
  | BankTransferArgumentError
  | BankTransferServiceError
  | InsufficientFundsError
  | UnknownAccountError
  | AccountExistsError
  | IdempotencyConflictError;

/** The one guard: `isBankTransferError(e, code?)`; given a code, it narrows to that error's class. */
export const isBankTransferError = errorGuard<AnyBankTransferError>('poc-redis-bank-transfer');

/** Argument checks that throw BankTransferArgumentError: `check.positiveInt('transfer.amount', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new BankTransferArgumentError(p.message));

/** Runs one redis call; a client failure becomes a BankTransferServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new BankTransferServiceError(message, { cause }));
