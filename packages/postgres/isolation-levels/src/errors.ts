// Errors carry a brand (a Symbol.for key, so it survives duplicated module copies) and an isX() guard,
// so callers can branch on them without instanceof or string matching.

const brand = Symbol.for('poc.postgres-isolation-levels.error');

type Kind = 'TransactionArgumentError' | 'RetriesExhaustedError' | 'CommitRolledBackError';

abstract class IsolationError extends Error {
  abstract readonly [brand]: Kind;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

const describe = (value: unknown): string =>
  typeof value === 'string' ? `"${value}"` : typeof value === 'function' ? 'a function' : String(value);

/** An argument broke a stated rule. Thrown before any connection is taken. */
export class TransactionArgumentError extends IsolationError {
  readonly [brand] = 'TransactionArgumentError' as const;
  /** The argument's name, e.g. `maxAttempts`. */
  readonly argument: string;
  /** The rule it broke, e.g. `must be an integer >= 1`. */
  readonly rule: string;
  readonly value: unknown;
  constructor(argument: string, rule: string, value: unknown) {
    super(`${argument} ${rule} (got ${describe(value)})`);
    this.argument = argument;
    this.rule = rule;
    this.value = value;
  }
}

/** Every attempt ended in a retryable error (serialization failure or deadlock); the last one is the cause. */
export class RetriesExhaustedError extends IsolationError {
  readonly [brand] = 'RetriesExhaustedError' as const;
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
export class CommitRolledBackError extends IsolationError {
  readonly [brand] = 'CommitRolledBackError' as const;
  readonly isolation: string;
  constructor(isolation: string) {
    super(
      `COMMIT was answered with ROLLBACK at ${isolation}: a statement in the transaction failed and its error was swallowed, so nothing was saved`,
    );
    this.isolation = isolation;
  }
}

const has = (e: unknown, kind: Kind): boolean =>
  typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[brand] === kind;

export const isTransactionArgumentError = (e: unknown): e is TransactionArgumentError =>
  has(e, 'TransactionArgumentError');
export const isRetriesExhaustedError = (e: unknown): e is RetriesExhaustedError => has(e, 'RetriesExhaustedError');
export const isCommitRolledBackError = (e: unknown): e is CommitRolledBackError => has(e, 'CommitRolledBackError');

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
