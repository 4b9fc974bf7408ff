// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server with one guard. A query that visits the heap is not an
// error: the plan and the bench show it.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type CoveringIndexErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isCoveringIndexError(e, code?)` tells them apart. */
export abstract class CoveringIndexError extends PocError {
  readonly scope = 'poc-postgres-covering-index';
  abstract override readonly code: CoveringIndexErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class CoveringIndexArgumentError extends CoveringIndexError {
  readonly code = 'argument';
}

/** PostgreSQL failed or could not be reached; `cause` is pg's error (with its SQLSTATE in `code`). */
export class CoveringIndexServiceError extends CoveringIndexError {
  readonly code = 'service';
}

export type AnyCoveringIndexError = CoveringIndexArgumentError | CoveringIndexServiceError;

/** The one guard: `isCoveringIndexError(e, code?)`; given a code, it narrows to that error's class. */
export const isCoveringIndexError = errorGuard<AnyCoveringIndexError>('poc-postgres-covering-index');

/** Argument checks that throw CoveringIndexArgumentError: `check.positiveInt('rows', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new CoveringIndexArgumentError(p.message));

/** Runs one PostgreSQL call; a client failure becomes a CoveringIndexServiceError naming what was being done. */
export const postgresCall = serviceCall((message, cause) => new CoveringIndexServiceError(message, { cause }));

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
export function checkSignal(argument: string, signal: unknown): AbortSignal | undefined {
  check.signal(argument, signal);
  signal?.throwIfAborted();
  return signal;
}

/** The ordinary check of a pg Pool: recognised by its methods, so another copy of pg passes too. */
export function checkPool(pool: unknown): void {
  check.kind(
    typeof pool === 'object' &&
      pool !== null &&
      typeof (pool as { query?: unknown }).query === 'function' &&
      typeof (pool as { connect?: unknown }).connect === 'function',
    'pool',
    'must be a pg.Pool',
    pool,
  );
}
