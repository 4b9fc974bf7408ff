// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server (and from the pattern's own failures) with one guard.
// Two failures: bad input, and a Redis call that failed (the Redis side of the comparison).
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type LfuErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isLfuError(e, code?)` tells them apart. */
export abstract class LfuError extends PocError {
  readonly scope = 'poc-caching-lfu';
  abstract override readonly code: LfuErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class LfuArgumentError extends LfuError {
  readonly code = 'argument';
}

/** A server failed or could not be reached; `cause` is the client's error. */
export class LfuServiceError extends LfuError {
  readonly code = 'service';
}

export type AnyLfuError = LfuArgumentError | LfuServiceError;

/** The one guard: `isLfuError(e, code?)`; given a code, it narrows to that error's class. */
export const isLfuError = errorGuard<AnyLfuError>('poc-caching-lfu');

/** Argument checks that throw LfuArgumentError: `check.positiveInt('options.ttlMs', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new LfuArgumentError(p.message));

/** Runs one redis call; a client failure becomes a LfuServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new LfuServiceError(message, { cause }));
