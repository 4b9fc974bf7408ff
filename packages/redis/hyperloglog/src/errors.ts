// The errors this package throws, on the shared kit: a caller tells "you passed a bad argument" from
// "Redis refused or failed" with one guard, `isCounterError(e, 'service')`, without matching strings.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type CounterErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isCounterError(e, code?)` tells them apart. */
export abstract class CounterError extends PocError {
  readonly scope = 'poc-redis-hyperloglog';
  abstract override readonly code: CounterErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class CounterArgumentError extends CounterError {
  readonly code = 'argument';
}

/** Redis failed, could not be reached, or refused the command (e.g. WRONGTYPE); `cause` is the client's error. */
export class CounterServiceError extends CounterError {
  readonly code = 'service';
}

export type AnyCounterError = CounterArgumentError | CounterServiceError;

/** The one guard: `isCounterError(e)`, or `isCounterError(e, 'service')` narrowed to CounterServiceError. */
export const isCounterError = errorGuard<AnyCounterError>('poc-redis-hyperloglog');

/** Argument checks that throw CounterArgumentError: `check.name('key', v)`. */
export const check: ArgumentChecks = argumentChecks((p) => new CounterArgumentError(p.message));

/** Runs one Redis call; a client failure becomes a CounterServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new CounterServiceError(message, { cause }));
