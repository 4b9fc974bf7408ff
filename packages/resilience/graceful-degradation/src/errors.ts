// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a fallback that failed too with one guard. An error the fallback does not
// handle (`when` says no, or the caller's own signal aborted) is rethrown unchanged.
import { PocError, argumentChecks, errorGuard, type ArgumentChecks } from '@poc/kit';

export type GracefulDegradationErrorCode = 'argument' | 'fallback-failed';

/** Base of every error this package throws: `isGracefulDegradationError(e, code?)` tells them apart. */
export abstract class GracefulDegradationError extends PocError {
  readonly scope = 'poc-resilience-graceful-degradation';
  abstract override readonly code: GracefulDegradationErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class GracefulDegradationArgumentError extends GracefulDegradationError {
  readonly code = 'argument';
}

/**
 * The operation failed and so did its fallback: `cause` is the fallback's error, `error` the operation's
 * (both kept, so neither failure is swallowed).
 */
export class FallbackFailedError extends GracefulDegradationError {
  readonly code = 'fallback-failed';
  readonly error: unknown;
  constructor(error: unknown, fallbackError: unknown) {
    super(`the operation failed (${describe(error)}) and its fallback failed too (${describe(fallbackError)})`, {
      cause: fallbackError,
    });
    this.error = error;
  }
}

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export type AnyGracefulDegradationError = GracefulDegradationArgumentError | FallbackFailedError;

/** The one guard: `isGracefulDegradationError(e, code?)`; given a code, it narrows to that error's class. */
export const isGracefulDegradationError = errorGuard<AnyGracefulDegradationError>(
  'poc-resilience-graceful-degradation',
);

/** Argument checks that throw GracefulDegradationArgumentError. */
export const check: ArgumentChecks = argumentChecks((p) => new GracefulDegradationArgumentError(p.message));
