// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server (and from the pattern's own failures) with one guard.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type TtlEvictionErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isTtlEvictionError(e, code?)` tells them apart. */
export abstract class TtlEvictionError extends PocError {
  readonly scope = 'poc-caching-ttl-eviction';
  abstract override readonly code: TtlEvictionErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class TtlEvictionArgumentError extends TtlEvictionError {
  readonly code = 'argument';
}

/** A server failed or could not be reached; `cause` is the client's error. */
export class TtlEvictionServiceError extends TtlEvictionError {
  readonly code = 'service';
}

export type AnyTtlEvictionError = TtlEvictionArgumentError | TtlEvictionServiceError;

/** The one guard: `isTtlEvictionError(e, code?)`; given a code, it narrows to that error's class. */
export const isTtlEvictionError = errorGuard<AnyTtlEvictionError>('poc-caching-ttl-eviction');

/** Argument checks that throw TtlEvictionArgumentError: `check.positiveInt('options.ttlMs', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new TtlEvictionArgumentError(p.message));

/** Runs one redis call; a client failure becomes a TtlEvictionServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new TtlEvictionServiceError(message, { cause }));

/** Runs one postgres call; a client failure becomes a TtlEvictionServiceError naming what was being done. */
export const postgresCall = serviceCall((message, cause) => new TtlEvictionServiceError(message, { cause }));
