// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server with one guard.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type NPlusOneErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isNPlusOneError(e, code?)` tells them apart. */
export abstract class NPlusOneError extends PocError {
  readonly scope = 'poc-postgres-n-plus-one';
  abstract override readonly code: NPlusOneErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class NPlusOneArgumentError extends NPlusOneError {
  readonly code = 'argument';
}

/** PostgreSQL failed or could not be reached; `cause` is pg's error. */
export class NPlusOneServiceError extends NPlusOneError {
  readonly code = 'service';
}

export type AnyNPlusOneError = NPlusOneArgumentError | NPlusOneServiceError;

/** The one guard: `isNPlusOneError(e, code?)`; given a code, it narrows to that error's class. */
export const isNPlusOneError = errorGuard<AnyNPlusOneError>('poc-postgres-n-plus-one');

/** Argument checks that throw NPlusOneArgumentError: `check.positiveInt('first', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new NPlusOneArgumentError(p.message));

/** Runs one PostgreSQL call; a failure becomes an NPlusOneServiceError naming what was being loaded. */
export const postgresCall = serviceCall((message, cause) => new NPlusOneServiceError(message, { cause }));
