// The runner's own errors, on the shared kit: each carries the package scope and a code, so callers
// branch on `isTransactionError(e, 'retries-exhausted')` without instanceof or string matching. Below
// them, the classification of PostgreSQL's own errors (SQLSTATE) that decides what is retried.
import { PocError, argumentChecks, errorGuard, type ArgumentChecks, type ArgumentProblem } from '@poc/kit';

export type TransactionErrorCode = 'argument' | 'retries-exhausted' | 'commit-rolled-back';

/** Base of every error this package throws: `isTransactionError(e, code?)` tells them apart. */
export abstract class TransactionError extends PocError {
  readonly scope = 'poc-postgres-isolation-levels';
  abstract override readonly code: TransactionErrorCode;
}

/** An argument broke a stated rule. Thrown before any connection is taken. */
export class TransactionArgumentError extends TransactionError {
  readonly code = 'argument';
  /** The argument's name, e.g. `maxAttempts`. */
  readonly argument: string;
  /** The rule it broke, e.g. `must be a positive integer`. */
  readonly rule: string;
  readonly value: unknown;
  constructor(problem: ArgumentProblem) {
    super(problem.message);
    this.argument = problem.argument;
    this.rule = problem.rule;
    this.value = problem.value;
  }
}

/** Every attempt ended in a retryable error (serialization failure or deadlock); the last one is the cause. */
export class RetriesExhaustedError extends TransactionError {
  readonly code = 'retries-exhausted';
  readonly attempts: number;
  readonly isolation: string;
  readonly lastError: unknown;
  constructor(attempts: number, isolation: string, lastError: unknown) {
    const reason = lastError instanceof Error ? lastError.message : String(lastError);
    super(`gave up after ${attempts} attempt${attempts === 1 ? '' : 's'} at ${isolation}: ${reason}`, {
      cause: lastError,
    });
    this.attempts = attempts;
    this.isolation = isolation;
    this.lastError = lastError;
  }
}

/**
 * COMMIT was answered with ROLLBACK: a statement inside the transaction failed, the callback caught
 * and swallowed that error, and PostgreSQL discarded the whole transaction. Without this error the
 * caller would believe its writes were saved.
 */
export class CommitRolledBackError extends TransactionError {
  readonly code = 'commit-rolled-back';
  readonly isolation: string;
  constructor(isolation: string) {
    super(
      `COMMIT was answered with ROLLBACK at ${isolation}: a statement in the transaction failed and its error was swallowed, so nothing was saved`,
    );
    this.isolation = isolation;
  }
}

export type AnyTransactionError = TransactionArgumentError | RetriesExhaustedError | CommitRolledBackError;
/** The one guard: `isTransactionError(e)`, or `isTransactionError(e, 'retries-exhausted')` narrowed to RetriesExhaustedError. */
export const isTransactionError = errorGuard<AnyTransactionError>('poc-postgres-isolation-levels');

/** Argument checks that throw TransactionArgumentError (with argument, rule and value): `check.positiveInt('maxAttempts', v)`. */
export const check: ArgumentChecks = argumentChecks((problem) => new TransactionArgumentError(problem));

/** SQLSTATE 40001: the server aborted the transaction because it could not be serialized. */
export const SERIALIZATION_FAILURE = '40001';
/** SQLSTATE 40P01: the deadlock detector chose this transaction as the victim. */
export const DEADLOCK_DETECTED = '40P01';

/** The SQLSTATE of a server error (pg's DatabaseError puts it in `code`); undefined for anything else. */
export function sqlState(e: unknown): string | undefined {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** True for SQLSTATE 40001 (could not serialize access ...). Looks at the error itself, not its cause. */
export const isSerializationFailure = (e: unknown): boolean => sqlState(e) === SERIALIZATION_FAILURE;

/** True for SQLSTATE 40P01 (deadlock detected). */
export const isDeadlock = (e: unknown): boolean => sqlState(e) === DEADLOCK_DETECTED;

/**
 * The default retry rule: both errors mean "the server rolled this transaction back because of other
 * transactions; the same work, run again from the start, can succeed".
 */
export const isRetryableTransactionError = (e: unknown): boolean => isSerializationFailure(e) || isDeadlock(e);
