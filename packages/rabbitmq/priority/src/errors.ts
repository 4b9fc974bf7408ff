// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server (and from the pattern's own failures) with one guard.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type PriorityErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isPriorityError(e, code?)` tells them apart. */
export abstract class PriorityError extends PocError {
  readonly scope = 'poc-rabbitmq-priority';
  abstract override readonly code: PriorityErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class PriorityArgumentError extends PriorityError {
  readonly code = 'argument';
}

/** A server failed or could not be reached; `cause` is the client's error. */
export class PriorityServiceError extends PriorityError {
  readonly code = 'service';
}

export type AnyPriorityError = PriorityArgumentError | PriorityServiceError;

/** The one guard: `isPriorityError(e, code?)`; given a code, it narrows to that error's class. */
export const isPriorityError = errorGuard<AnyPriorityError>('poc-rabbitmq-priority');

/** Argument checks that throw PriorityArgumentError: `check.intIn('options.maxPriority', v, 1, 255)`. */
export const check: ArgumentChecks = argumentChecks((p) => new PriorityArgumentError(p.message));

/** Runs one broker call; a client failure becomes a PriorityServiceError naming what was being done. */
export const amqpCall = serviceCall((message, cause) => new PriorityServiceError(message, { cause }));
