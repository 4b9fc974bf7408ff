// The errors this package throws, on the shared kit: bad input, a value that cannot be cached, and a
// Redis failure where the cache cannot fall back (invalidate) are told apart by one guard,
// `isReadThroughError(e, code?)`. A loader's own errors pass through unchanged (and are never cached).
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type ReadThroughErrorCode = 'argument' | 'value' | 'service';

/** Base of every error this package throws. */
export abstract class ReadThroughError extends PocError {
  readonly scope = 'poc-caching-read-through';
  abstract override readonly code: ReadThroughErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class ReadThroughArgumentError extends ReadThroughError {
  readonly code = 'argument';
}

/** The loader returned something that cannot be cached (undefined); nothing was stored. */
export class ReadThroughValueError extends ReadThroughError {
  readonly code = 'value';
}

/** Redis failed where the cache cannot fall back (invalidate); `cause` is the client's error. */
export class ReadThroughServiceError extends ReadThroughError {
  readonly code = 'service';
}

export type AnyReadThroughError = ReadThroughArgumentError | ReadThroughValueError | ReadThroughServiceError;

/** The one guard: `isReadThroughError(e, code?)`; given a code, it narrows to that error's class. */
export const isReadThroughError = errorGuard<AnyReadThroughError>('poc-caching-read-through');

/** Argument checks that throw ReadThroughArgumentError. */
export const check: ArgumentChecks = argumentChecks((p) => new ReadThroughArgumentError(p.message));

/** Runs one redis call where no fallback exists; a failure becomes a ReadThroughServiceError. */
export const redisCall = serviceCall((message, cause) => new ReadThroughServiceError(message, { cause }));
