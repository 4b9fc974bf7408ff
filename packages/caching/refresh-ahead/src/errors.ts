// The errors this package throws, on the shared kit: a caller tells bad input from a failed Redis with one
// guard. A loader's own errors pass through unchanged (in the foreground), or go to onRefreshError (in the
// background, where the cached value keeps being served).
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type RefreshAheadErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isRefreshAheadError(e, code?)` tells them apart. */
export abstract class RefreshAheadError extends PocError {
  readonly scope = 'poc-caching-refresh-ahead';
  abstract override readonly code: RefreshAheadErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class RefreshAheadArgumentError extends RefreshAheadError {
  readonly code = 'argument';
}

/** Redis failed or could not be reached; `cause` is the client's error. */
export class RefreshAheadServiceError extends RefreshAheadError {
  readonly code = 'service';
}

export type AnyRefreshAheadError = RefreshAheadArgumentError | RefreshAheadServiceError;

/** The one guard: `isRefreshAheadError(e, code?)`; given a code, it narrows to that error's class. */
export const isRefreshAheadError = errorGuard<AnyRefreshAheadError>('poc-caching-refresh-ahead');

/** Argument checks that throw RefreshAheadArgumentError: `check.positiveInt('options.ttlMs', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new RefreshAheadArgumentError(p.message));

/** Runs one redis call; a client failure becomes a RefreshAheadServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new RefreshAheadServiceError(message, { cause }));
