// The breaker people write first: count failures, refuse calls for `halfOpenAfterMs`, then simply close
// again. There is no half-open state, so when the timer runs out EVERY waiting caller goes through at
// once: against a dependency that is still down, each reopening sends a burst of calls (a whole
// `threshold` of failures, and all the concurrent ones) instead of one probe. Same options and interface
// as the pattern; import it from 'poc-resilience-circuit-breaker/naive'.
import type { Policy } from '@poc/kit';
import {
  createContext,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
} from './circuit-breaker.ts';
import { CircuitOpenError, check } from './errors.ts';

export function naiveCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  const { clock, halfOpenAfterMs, counter, isFailure } = createContext(options);
  let openedAt: number | undefined;
  const counts = { admitted: 0, succeeded: 0, failed: 0, rejected: 0, probes: 0, opened: 0 };
  const listeners = new Set<(to: CircuitState, from: CircuitState) => void>();
  const notify = (to: CircuitState, from: CircuitState): void => listeners.forEach((l) => l(to, from));

  /** The timer has run out: back to closed with a fresh count, for everyone. */
  const state = (): CircuitState => {
    if (openedAt !== undefined && clock.now() - openedAt >= halfOpenAfterMs) {
      openedAt = undefined;
      counter.reset();
      notify('closed', 'open');
    }
    return openedAt === undefined ? 'closed' : 'open';
  };

  const guard: Policy = (operation) => {
    check.fn('operation', operation);
    return async (signal) => {
      check.kind(signal instanceof AbortSignal, 'signal', 'must be an AbortSignal', signal);
      signal.throwIfAborted();
      if (state() === 'open') {
        counts.rejected++;
        throw new CircuitOpenError('open', halfOpenAfterMs - (clock.now() - openedAt!));
      }
      counts.admitted++;
      try {
        const result = await operation(signal);
        counts.succeeded++;
        counter.success(clock.now());
        return result;
      } catch (error) {
        if (isFailure(error)) {
          counts.failed++;
          if (counter.failure(clock.now()) && openedAt === undefined) {
            openedAt = clock.now();
            counts.opened++;
            notify('open', 'closed');
          }
        }
        throw error;
      }
    };
  };

  return Object.assign(guard, {
    state,
    stats: () => ({ state: state(), ...counts, window: counter.snapshot() }),
    onStateChange(listener: (to: CircuitState, from: CircuitState) => void) {
      check.fn('listener', listener);
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  });
}
