// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a timeout with one guard. A timeout is raised as the reason of the aborted
// signal: the operation it cut short sees the same TimeoutError object, and pgQuery() rethrows it (the
// PostgreSQL "canceling statement" error is kept as nothing more than the trigger). Any other failure of
// the wrapped operation is rethrown unchanged.
import { PocError, argumentChecks, errorGuard, type ArgumentChecks } from '@poc/kit';

export type TimeoutsErrorCode = 'argument' | 'timeout' | 'deadline';

/** Base of every error this package throws: `isTimeoutsError(e, code?)` tells them apart. */
export abstract class TimeoutsError extends PocError {
  readonly scope = 'poc-resilience-timeouts';
  abstract override readonly code: TimeoutsErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class TimeoutsArgumentError extends TimeoutsError {
  readonly code = 'argument';
}

/** The time allowed ran out while the work was running; the work's signal was aborted with this error. */
export class TimeoutError extends TimeoutsError {
  readonly code = 'timeout';
  /** The budget that ran out, in ms. */
  readonly ms: number;
  constructor(message: string, ms: number) {
    super(message);
    this.ms = ms;
  }
}

/** The deadline had passed (or left less than the hop's reserve) before the work started: nothing was done. */
export class DeadlineExceededError extends TimeoutsError {
  readonly code = 'deadline';
  /** What was left of the budget when the work was refused, in ms (0 or less than the reserve). */
  readonly remainingMs: number;
  constructor(message: string, remainingMs: number) {
    super(message);
    this.remainingMs = remainingMs;
  }
}

export type AnyTimeoutsError = TimeoutsArgumentError | TimeoutError | DeadlineExceededError;

/** The one guard: `isTimeoutsError(e, code?)`; given a code, it narrows to that error's class. */
export const isTimeoutsError = errorGuard<AnyTimeoutsError>('poc-resilience-timeouts');

/** Argument checks that throw TimeoutsArgumentError: `check.positiveInt('options.ms', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new TimeoutsArgumentError(p.message));
