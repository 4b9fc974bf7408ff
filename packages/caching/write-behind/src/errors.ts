// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server with one guard.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type WriteBehindErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isWriteBehindError(e, code?)` tells them apart. */
export abstract class WriteBehindError extends PocError {
  readonly scope = 'poc-caching-write-behind';
  abstract override readonly code: WriteBehindErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class WriteBehindArgumentError extends WriteBehindError {
  readonly code = 'argument';
}

/** A server failed or could not be reached; `cause` is the client's error. A write that throws it was not acknowledged. */
export class WriteBehindServiceError extends WriteBehindError {
  readonly code = 'service';
}

export type AnyWriteBehindError = WriteBehindArgumentError | WriteBehindServiceError;

/** The one guard: `isWriteBehindError(e, code?)`; given a code, it narrows to that error's class. */
export const isWriteBehindError = errorGuard<AnyWriteBehindError>('poc-caching-write-behind');

/** Argument checks that throw WriteBehindArgumentError. */
export const check: ArgumentChecks = argumentChecks((p) => new WriteBehindArgumentError(p.message));

/** Runs one redis call; a client failure becomes a WriteBehindServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new WriteBehindServiceError(message, { cause }));

/** Runs one postgres call; a client failure becomes a WriteBehindServiceError naming what was being done. */
export const postgresCall = serviceCall((message, cause) => new WriteBehindServiceError(message, { cause }));
