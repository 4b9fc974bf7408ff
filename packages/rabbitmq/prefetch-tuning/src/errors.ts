// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server (and from the pattern's own failures) with one guard.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type PrefetchTuningErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isPrefetchTuningError(e, code?)` tells them apart. */
export abstract class PrefetchTuningError extends PocError {
  readonly scope = 'poc-rabbitmq-prefetch-tuning';
  abstract override readonly code: PrefetchTuningErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class PrefetchTuningArgumentError extends PrefetchTuningError {
  readonly code = 'argument';
}

/** The broker failed, could not be reached, or closed the channel under a consumer; `cause` is the client's error. */
export class PrefetchTuningServiceError extends PrefetchTuningError {
  readonly code = 'service';
}

export type AnyPrefetchTuningError = PrefetchTuningArgumentError | PrefetchTuningServiceError;

/** The one guard: `isPrefetchTuningError(e, code?)`; given a code, it narrows to that error's class. */
export const isPrefetchTuningError = errorGuard<AnyPrefetchTuningError>('poc-rabbitmq-prefetch-tuning');

/** Argument checks that throw PrefetchTuningArgumentError: `check.intIn('options.prefetch', v, 0, 65535)`. */
export const check: ArgumentChecks = argumentChecks((p) => new PrefetchTuningArgumentError(p.message));

/** Runs one broker call; a client failure becomes a PrefetchTuningServiceError naming what was being done. */
export const amqpCall = serviceCall((message, cause) => new PrefetchTuningServiceError(message, { cause }));
