// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server (and from the pattern's own failures) with one guard.
// Two failures: bad input, and a Redis call that failed (the Redis side of the comparison).
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type LruErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isLruError(e, code?)` tells them apart. */
export abstract class LruError extends PocError {
  readonly scope = 'poc-caching-lru';
  abstract override readonly code: LruErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class LruArgumentError extends LruError {
  readonly code = 'argument';
}

/** A server failed or could not be reached; `cause` is the client's error. */
export class LruServiceError extends LruError {
  readonly code = 'service';
}

export type AnyLruError = LruArgumentError | LruServiceError;

/** The one guard: `isLruError(e, code?)`; given a code, it narrows to that error's class. */
export const isLruError = errorGuard<AnyLruError>('poc-caching-lru');

/** Argument checks that throw LruArgumentError: `check.positiveInt('options.ttlMs', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new LruArgumentError(p.message));

/** Runs one redis call; a client failure becomes a LruServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new LruServiceError(message, { cause }));
