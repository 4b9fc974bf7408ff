// The errors this package throws, on the shared kit: a caller tells bad input from a failed Redis (and
// from a lock wait that ran out) with one guard. A loader's own errors pass through unchanged.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type StampedeErrorCode = 'argument' | 'service' | 'timeout';

/** Base of every error this package throws: `isStampedeError(e, code?)` tells them apart. */
export abstract class StampedeError extends PocError {
  readonly scope = 'poc-caching-stampede';
  abstract override readonly code: StampedeErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class StampedeArgumentError extends StampedeError {
  readonly code = 'argument';
}

/** Redis failed or could not be reached; `cause` is the client's error. */
export class StampedeServiceError extends StampedeError {
  readonly code = 'service';
}

/** A caller waited `waitMs` for another holder's load and neither a value nor the lock came. */
export class StampedeTimeoutError extends StampedeError {
  readonly code = 'timeout';
}

export type AnyStampedeError = StampedeArgumentError | StampedeServiceError | StampedeTimeoutError;

/** The one guard: `isStampedeError(e, code?)`; given a code, it narrows to that error's class. */
export const isStampedeError = errorGuard<AnyStampedeError>('poc-caching-stampede');

/** Argument checks that throw StampedeArgumentError: `check.positiveInt('options.ttlMs', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new StampedeArgumentError(p.message));

/** Runs one redis call; a client failure becomes a StampedeServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new StampedeServiceError(message, { cause }));
