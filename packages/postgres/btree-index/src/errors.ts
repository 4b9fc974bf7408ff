// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server with one guard. A query that is merely slow (no index) is
// not an error: that is what the bench measures.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type BtreeIndexErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isBtreeIndexError(e, code?)` tells them apart. */
export abstract class BtreeIndexError extends PocError {
  readonly scope = 'poc-postgres-btree-index';
  abstract override readonly code: BtreeIndexErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class BtreeIndexArgumentError extends BtreeIndexError {
  readonly code = 'argument';
}

/** PostgreSQL failed or could not be reached; `cause` is pg's error (with its SQLSTATE in `code`). */
export class BtreeIndexServiceError extends BtreeIndexError {
  readonly code = 'service';
}

export type AnyBtreeIndexError = BtreeIndexArgumentError | BtreeIndexServiceError;

/** The one guard: `isBtreeIndexError(e, code?)`; given a code, it narrows to that error's class. */
export const isBtreeIndexError = errorGuard<AnyBtreeIndexError>('poc-postgres-btree-index');

/** Argument checks that throw BtreeIndexArgumentError: `check.positiveInt('rows', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new BtreeIndexArgumentError(p.message));

/** Runs one PostgreSQL call; a client failure becomes a BtreeIndexServiceError naming what was being done. */
export const postgresCall = serviceCall((message, cause) => new BtreeIndexServiceError(message, { cause }));

/** A table name this package will interpolate into DDL: lower-case letters, digits and _, at most 40. */
export function checkTableName(argument: string, value: unknown): asserts value is string {
  check.that(
    typeof value === 'string' && /^[a-z_][a-z0-9_]{0,39}$/.test(value),
    argument,
    'must be a lower-case SQL identifier of at most 40 characters ([a-z_][a-z0-9_]*)',
    value,
  );
}

/** An optional AbortSignal; an aborted one stops the work before the next statement with `signal.reason`. */
export function checkSignal(signal: unknown): AbortSignal | undefined {
  check.signal('signal', signal);
  signal?.throwIfAborted();
  return signal;
}
