// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server (and from the pattern's own failures) with one guard.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type StaleReadAfterWriteErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isStaleReadAfterWriteError(e, code?)` tells them apart. */
export abstract class StaleReadAfterWriteError extends PocError {
  readonly scope = 'poc-caching-stale-read-after-write';
  abstract override readonly code: StaleReadAfterWriteErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class StaleReadAfterWriteArgumentError extends StaleReadAfterWriteError {
  readonly code = 'argument';
}

/** A server failed or could not be reached; `cause` is the client's error. */
export class StaleReadAfterWriteServiceError extends StaleReadAfterWriteError {
  readonly code = 'service';
}

export type AnyStaleReadAfterWriteError = StaleReadAfterWriteArgumentError | StaleReadAfterWriteServiceError;

/** The one guard: `isStaleReadAfterWriteError(e, code?)`; given a code, it narrows to that error's class. */
export const isStaleReadAfterWriteError = errorGuard<AnyStaleReadAfterWriteError>('poc-caching-stale-read-after-write');

/** Argument checks that throw StaleReadAfterWriteArgumentError: `check.positiveInt('options.ttlMs', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new StaleReadAfterWriteArgumentError(p.message));

/** Runs one redis call; a client failure becomes a StaleReadAfterWriteServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new StaleReadAfterWriteServiceError(message, { cause }));

/** Runs one postgres call; a client failure becomes a StaleReadAfterWriteServiceError naming what was being done. */
export const postgresCall = serviceCall((message, cause) => new StaleReadAfterWriteServiceError(message, { cause }));
