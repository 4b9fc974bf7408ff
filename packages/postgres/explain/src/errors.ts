// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server with one guard.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type ExplainErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isExplainError(e, code?)` tells them apart. */
export abstract class ExplainError extends PocError {
  readonly scope = 'poc-postgres-explain';
  abstract override readonly code: ExplainErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class ExplainArgumentError extends ExplainError {
  readonly code = 'argument';
}

/** PostgreSQL failed, refused the statement or could not be reached; `cause` is pg's error. */
export class ExplainServiceError extends ExplainError {
  readonly code = 'service';
}

export type AnyExplainError = ExplainArgumentError | ExplainServiceError;

/** The one guard: `isExplainError(e, code?)`; given a code, it narrows to that error's class. */
export const isExplainError = errorGuard<AnyExplainError>('poc-postgres-explain');

/** Argument checks that throw ExplainArgumentError: `check.positiveNumber('options.misestimateFactor', v)`. */
export const check: ArgumentChecks = argumentChecks((p) => new ExplainArgumentError(p.message));

/** Runs one PostgreSQL call; a failure becomes an ExplainServiceError naming what was being done. */
export const postgresCall = serviceCall((message, cause) => new ExplainServiceError(message, { cause }));
