// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a shed call with one guard. A call that was admitted and fails rejects with
// the operation's own error, unchanged: admission never wraps it.
import { PocError, argumentChecks, errorGuard, type ArgumentChecks } from '@poc/kit';

export type BackpressureErrorCode = 'argument' | 'overloaded';

/** Base of every error this package throws: `isBackpressureError(e, code?)` tells them apart. */
export abstract class BackpressureError extends PocError {
  readonly scope = 'poc-resilience-backpressure';
  abstract override readonly code: BackpressureErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class BackpressureArgumentError extends BackpressureError {
  readonly code = 'argument';
}

/**
 * The call was shed without running: every slot busy and the queue full (`reason: 'queue-full'`), or it
 * waited `maxQueueWaitMs` in the queue without getting a slot (`reason: 'queue-timeout'`).
 * `retryAfterMs` is the admission's estimate of when the queue will have drained (see retryAfterMs()).
 */
export class OverloadedError extends BackpressureError {
  readonly code = 'overloaded';
  readonly reason: 'queue-full' | 'queue-timeout';
  readonly retryAfterMs: number;
  constructor(reason: 'queue-full' | 'queue-timeout', retryAfterMs: number) {
    super(
      reason === 'queue-full'
        ? `overloaded: every slot busy and the queue full, call shed without running (retry after ${retryAfterMs} ms)`
        : `overloaded: waited the whole maxQueueWaitMs in the queue without a slot, call shed (retry after ${retryAfterMs} ms)`,
    );
    this.reason = reason;
    this.retryAfterMs = retryAfterMs;
  }
}

export type AnyBackpressureError = BackpressureArgumentError | OverloadedError;

/** The one guard: `isBackpressureError(e, code?)`; given a code, it narrows to that error's class. */
export const isBackpressureError = errorGuard<AnyBackpressureError>('poc-resilience-backpressure');

/** Argument checks that throw BackpressureArgumentError: `check.positiveInt('options.ttlMs', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new BackpressureArgumentError(p.message));
