// The errors this package throws, on the shared kit: a caller tells bad input, a failed server and a
// write the cache refused (rolled back in the database) apart with one guard. The writer's and loader's
// own errors (a constraint violation, say) pass through unchanged.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type WriteThroughErrorCode = 'argument' | 'service' | 'cache';

/** Base of every error this package throws: `isWriteThroughError(e, code?)` tells them apart. */
export abstract class WriteThroughError extends PocError {
  readonly scope = 'poc-caching-write-through';
  abstract override readonly code: WriteThroughErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class WriteThroughArgumentError extends WriteThroughError {
  readonly code = 'argument';
}

/** A server failed or could not be reached; `cause` is the client's error. */
export class WriteThroughServiceError extends WriteThroughError {
  readonly code = 'service';
}

/**
 * onCacheFailure 'compensate': the cache write failed, so the database write was rolled back and nothing
 * changed. `staleUntil` is set when the cache could not even be cleared afterwards (the SET may have
 * landed before its reply was lost): until then (epoch ms, the cache's clock) the key may show the value.
 */
export class WriteThroughCacheError extends WriteThroughError {
  readonly code = 'cache';
  readonly staleUntil: number | undefined;
  constructor(message: string, staleUntil: number | undefined, options?: { cause?: unknown }) {
    super(message, options);
    this.staleUntil = staleUntil;
  }
}

export type AnyWriteThroughError = WriteThroughArgumentError | WriteThroughServiceError | WriteThroughCacheError;

/** The one guard: `isWriteThroughError(e, code?)`; given a code, it narrows to that error's class. */
export const isWriteThroughError = errorGuard<AnyWriteThroughError>('poc-caching-write-through');

/** Argument checks that throw WriteThroughArgumentError: `check.positiveInt('options.ttlMs', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new WriteThroughArgumentError(p.message));

/** Runs one redis call; a client failure becomes a WriteThroughServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new WriteThroughServiceError(message, { cause }));

/** Runs one postgres call; a client failure becomes a WriteThroughServiceError naming what was being done. */
export const postgresCall = serviceCall((message, cause) => new WriteThroughServiceError(message, { cause }));
