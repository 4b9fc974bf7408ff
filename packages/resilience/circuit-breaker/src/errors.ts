// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a refused call with one guard. A call the breaker lets through and that
// fails rejects with the dependency's own error, unchanged: the breaker never wraps it.
import { PocError, argumentChecks, errorGuard, type ArgumentChecks } from '@poc/kit';

export type CircuitBreakerErrorCode = 'argument' | 'open';

/** Base of every error this package throws: `isCircuitBreakerError(e, code?)` tells them apart. */
export abstract class CircuitBreakerError extends PocError {
  readonly scope = 'poc-resilience-circuit-breaker';
  abstract override readonly code: CircuitBreakerErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class CircuitBreakerArgumentError extends CircuitBreakerError {
  readonly code = 'argument';
}

/**
 * The breaker refused the call without touching the dependency: the circuit is open, or half-open with
 * its one probe already in flight. `retryAfterMs` is how long until the next probe may go (0 while a
 * probe is in flight: its outcome decides).
 */
export class CircuitOpenError extends CircuitBreakerError {
  readonly code = 'open';
  readonly state: 'open' | 'half-open';
  readonly retryAfterMs: number;
  constructor(state: 'open' | 'half-open', retryAfterMs: number) {
    super(
      state === 'open'
        ? `circuit is open: call refused without reaching the dependency (next probe in ${retryAfterMs} ms)`
        : 'circuit is half-open and its probe is in flight: call refused without reaching the dependency',
    );
    this.state = state;
    this.retryAfterMs = retryAfterMs;
  }
}

export type AnyCircuitBreakerError = CircuitBreakerArgumentError | CircuitOpenError;

/** The one guard: `isCircuitBreakerError(e, code?)`; given a code, it narrows to that error's class. */
export const isCircuitBreakerError = errorGuard<AnyCircuitBreakerError>('poc-resilience-circuit-breaker');

/** Argument checks that throw CircuitBreakerArgumentError: `check.positiveInt('options.ttlMs', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new CircuitBreakerArgumentError(p.message));
