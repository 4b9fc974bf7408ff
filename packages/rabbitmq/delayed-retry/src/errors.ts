// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server (and from the pattern's own failures) with one guard.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type DelayedRetryErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isDelayedRetryError(e, code?)` tells them apart. */
export abstract class DelayedRetryError extends PocError {
  readonly scope = 'poc-rabbitmq-delayed-retry';
  abstract override readonly code: DelayedRetryErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class DelayedRetryArgumentError extends DelayedRetryError {
  readonly code = 'argument';
}

/** A server failed or could not be reached; `cause` is the client's error. */
export class DelayedRetryServiceError extends DelayedRetryError {
  readonly code = 'service';
}

export type AnyDelayedRetryError = DelayedRetryArgumentError | DelayedRetryServiceError;

/** The one guard: `isDelayedRetryError(e, code?)`; given a code, it narrows to that error's class. */
export const isDelayedRetryError = errorGuard<AnyDelayedRetryError>('poc-rabbitmq-delayed-retry');

/** Argument checks that throw DelayedRetryArgumentError: `check.positiveInt('options.ttlMs', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new DelayedRetryArgumentError(p.message));

/** Runs one broker call; a client failure becomes a DelayedRetryServiceError naming what was being done. */
export const amqpCall = serviceCall((message, cause) => new DelayedRetryServiceError(message, { cause }));
