// The errors this package throws, on the shared kit. retry() itself throws only ArgumentError: when it
// gives up it rethrows the operation's own last error unchanged, and an abort rejects with the signal's
// reason. The other two belong to the lab's contended resource (src/lab/), which tests, bench and demo use.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type BackoffJitterErrorCode = 'argument' | 'service' | 'busy';

/** Base of every error this package throws: `isBackoffJitterError(e, code?)` tells them apart. */
export abstract class BackoffJitterError extends PocError {
  readonly scope = 'poc-resilience-backoff-jitter';
  abstract override readonly code: BackoffJitterErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class BackoffJitterArgumentError extends BackoffJitterError {
  readonly code = 'argument';
}

/** A server failed or could not be reached; `cause` is the client's error. */
export class BackoffJitterServiceError extends BackoffJitterError {
  readonly code = 'service';
}

/** The contended resource was held by someone else (the lock was not free): worth retrying later. */
export class ResourceBusyError extends BackoffJitterError {
  readonly code = 'busy';
}

export type AnyBackoffJitterError = BackoffJitterArgumentError | BackoffJitterServiceError | ResourceBusyError;

/** The one guard: `isBackoffJitterError(e, code?)`; given a code, it narrows to that error's class. */
export const isBackoffJitterError = errorGuard<AnyBackoffJitterError>('poc-resilience-backoff-jitter');

/** Argument checks that throw BackoffJitterArgumentError: `check.positiveInt('options.attempts', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new BackoffJitterArgumentError(p.message));

/** Runs one postgres call; a client failure becomes a BackoffJitterServiceError naming what was being done. */
export const postgresCall = serviceCall((message, cause) => new BackoffJitterServiceError(message, { cause }));
