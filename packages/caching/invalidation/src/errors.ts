// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server (and from the pattern's own failures) with one guard.
// Two kinds: bad input, and a server that failed (Redis for the cache, PostgreSQL for the fixture's loader).
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type InvalidationErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isInvalidationError(e, code?)` tells them apart. */
export abstract class InvalidationError extends PocError {
  readonly scope = 'poc-caching-invalidation';
  abstract override readonly code: InvalidationErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class InvalidationArgumentError extends InvalidationError {
  readonly code = 'argument';
}

/** A server failed or could not be reached; `cause` is the client's error. */
export class InvalidationServiceError extends InvalidationError {
  readonly code = 'service';
}

export type AnyInvalidationError = InvalidationArgumentError | InvalidationServiceError;

/** The one guard: `isInvalidationError(e, code?)`; given a code, it narrows to that error's class. */
export const isInvalidationError = errorGuard<AnyInvalidationError>('poc-caching-invalidation');

/** Argument checks that throw InvalidationArgumentError: `check.positiveInt('options.ttlMs', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new InvalidationArgumentError(p.message));

/** Runs one redis call; a client failure becomes a InvalidationServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new InvalidationServiceError(message, { cause }));

/** Runs one postgres call; a client failure becomes a InvalidationServiceError naming what was being done. */
export const postgresCall = serviceCall((message, cause) => new InvalidationServiceError(message, { cause }));
