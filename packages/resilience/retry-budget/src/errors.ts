// The errors this package throws, on the shared kit. The budget itself only refuses (retry() then
// rethrows the operation's own last error unchanged); 'unavailable' is the lab client's failure.
import { PocError, argumentChecks, errorGuard, type ArgumentChecks } from '@poc/kit';

export type RetryBudgetErrorCode = 'argument' | 'unavailable';

/** Base of every error this package throws: `isRetryBudgetError(e, code?)` tells them apart. */
export abstract class RetryBudgetError extends PocError {
  readonly scope = 'poc-resilience-retry-budget';
  abstract override readonly code: RetryBudgetErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class RetryBudgetArgumentError extends RetryBudgetError {
  readonly code = 'argument';
}

/** The lab service answered 5xx or could not be reached; `status` is 0 when no answer came, `cause` the fetch error. */
export class ServiceUnavailableError extends RetryBudgetError {
  readonly code = 'unavailable';
  readonly status: number;
  constructor(message: string, status: number, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
  }
}

export type AnyRetryBudgetError = RetryBudgetArgumentError | ServiceUnavailableError;

/** The one guard: `isRetryBudgetError(e, code?)`; given a code, it narrows to that error's class. */
export const isRetryBudgetError = errorGuard<AnyRetryBudgetError>('poc-resilience-retry-budget');

/** Argument checks that throw RetryBudgetArgumentError: `check.positiveInt('options.ttlMs', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new RetryBudgetArgumentError(p.message));
