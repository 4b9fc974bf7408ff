// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input, a failed server and the two ways a transaction can go wrong apart with one guard.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type TransactionsErrorCode = 'argument' | 'service' | 'aborted' | 'partial';

/** Base of every error this package throws: `isTransactionsError(e, code?)` tells them apart. */
export abstract class TransactionsError extends PocError {
  readonly scope = 'poc-redis-transactions';
  abstract override readonly code: TransactionsErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class TransactionsArgumentError extends TransactionsError {
  readonly code = 'argument';
}

/** A server failed or could not be reached; `cause` is the client's error. */
export class TransactionsServiceError extends TransactionsError {
  readonly code = 'service';
}

/** One command of a batch, as an error lists it: its position, its name, and what happened to it. */
export interface CommandFailure {
  /** Position in the batch, from 0. */
  readonly index: number;
  /** The command's name in capitals, e.g. "INCR". */
  readonly command: string;
  /** The server's error message. */
  readonly error: string;
}

export interface CommandApplied {
  readonly index: number;
  readonly command: string;
  readonly reply: unknown;
}

/**
 * EXEC ran nothing. Either the server refused to queue a command (wrong number of arguments, unknown
 * command: `rejected` lists them) and discarded the whole transaction with EXECABORT, or a key WATCHed
 * on this connection changed before EXEC (`reason: 'watch'`). Nothing was applied, so retrying is safe.
 */
export class TransactionAbortedError extends TransactionsError {
  readonly code = 'aborted';
  readonly reason: 'execabort' | 'watch';
  /** The commands Redis refused to queue (empty when a WATCHed key changed). */
  readonly rejected: readonly CommandFailure[];
  constructor(message: string, reason: 'execabort' | 'watch', rejected: readonly CommandFailure[]) {
    super(message);
    this.reason = reason;
    this.rejected = rejected;
  }
}

/**
 * EXEC ran every command, and some failed at run time (INCR on a string, a command on a key of the wrong
 * type). Redis has no rollback: `applied` took effect, `failed` did not. Retrying the whole batch would
 * apply `applied` a second time.
 */
export class TransactionPartialError extends TransactionsError {
  readonly code = 'partial';
  readonly applied: readonly CommandApplied[];
  readonly failed: readonly CommandFailure[];
  /** One reply per command, in order; an Error where the command failed. */
  readonly replies: readonly unknown[];
  constructor(
    message: string,
    applied: readonly CommandApplied[],
    failed: readonly CommandFailure[],
    replies: readonly unknown[],
  ) {
    super(message);
    this.applied = applied;
    this.failed = failed;
    this.replies = replies;
  }
}

export type AnyTransactionsError =
  TransactionsArgumentError | TransactionsServiceError | TransactionAbortedError | TransactionPartialError;

/** The one guard: `isTransactionsError(e, code?)`; given a code, it narrows to that error's class. */
export const isTransactionsError = errorGuard<AnyTransactionsError>('poc-redis-transactions');

/** Argument checks that throw TransactionsArgumentError: `check.positiveInt('units', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new TransactionsArgumentError(p.message));

/** Runs one redis call; a client failure becomes a TransactionsServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new TransactionsServiceError(message, { cause }));
