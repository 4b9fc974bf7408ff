// A circuit breaker as a kit Policy: while the dependency keeps failing (as the strategy counts it), calls
// fail fast with CircuitOpenError instead of reaching it; after `halfOpenAfterMs` exactly one call goes
// through as a probe while every other caller still fails fast; the probe's success closes the circuit,
// its failure opens it again for another `halfOpenAfterMs`. All time comes from the injected Clock.
import { systemClock, type Clock, type Operation, type Policy } from '@poc/kit';
import { CircuitOpenError, check } from './errors.ts';
import { counterFor, type BreakerStrategy, type OutcomeCounter, type WindowSnapshot } from './strategies.ts';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** When a closed circuit trips: `{ kind: 'consecutive', threshold }` or `{ kind: 'rate', ... }`. */
  strategy: BreakerStrategy;
  /** How long the circuit stays open before one probe may go through. */
  halfOpenAfterMs: number;
  /** Time as the breaker sees it (default systemClock); tests drive it with a ManualClock from @poc/kit. */
  clock?: Clock;
  /** Which errors count against the dependency (default: every error). Others pass through uncounted. */
  isFailure?: (error: unknown) => boolean;
}

export interface CircuitBreakerStats {
  readonly state: CircuitState;
  /** Calls let through to the dependency, probes included. */
  readonly admitted: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Calls refused with CircuitOpenError, without reaching the dependency. */
  readonly rejected: number;
  readonly probes: number;
  /** Times the circuit opened (from closed, or again after a failed probe). */
  readonly opened: number;
  /** What the strategy holds now: failures in a row, or failures and outcomes in the window. */
  readonly window: WindowSnapshot;
}

export type StateListener = (to: CircuitState, from: CircuitState) => void;

/** A Policy (breaker(op) is op behind the breaker) that also shows its state. */
export interface CircuitBreaker extends Policy {
  state(): CircuitState;
  stats(): CircuitBreakerStats;
  /** Calls `listener` on every transition (after it); returns a function that unsubscribes it. */
  onStateChange(listener: StateListener): () => void;
}

/** What both breakers (this one and the naive one) work with, checked once. */
export interface Context {
  readonly clock: Clock;
  readonly halfOpenAfterMs: number;
  readonly counter: OutcomeCounter;
  readonly isFailure: (error: unknown) => boolean;
}

/** Checks every option (an error names the argument and the rule); the naive variant uses it too. */
export function createContext(options: CircuitBreakerOptions): Context {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const counter = counterFor(options.strategy);
  check.positiveInt('options.halfOpenAfterMs', options.halfOpenAfterMs);
  const clock = options.clock ?? systemClock;
  check.kind(hasMethods(clock, 'now', 'sleep', 'schedule'), 'options.clock', 'must be a Clock', clock);
  const isFailure = options.isFailure ?? (() => true);
  check.fn('options.isFailure', isFailure);
  return { clock, halfOpenAfterMs: options.halfOpenAfterMs, counter, isFailure };
}

const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');

/** The state machine as one union; `period` changes each time the circuit opens. */
type Inner = { value: 'closed'; period: number } | { value: 'open' | 'half-open'; period: number; openedAt: number };

/** A circuit breaker policy. Every option is checked first (a CircuitBreakerArgumentError names it). */
export function circuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  const { clock, halfOpenAfterMs, counter, isFailure } = createContext(options);
  let inner: Inner = { value: 'closed', period: 0 };
  const counts = { admitted: 0, succeeded: 0, failed: 0, rejected: 0, probes: 0, opened: 0 };
  const listeners = new Set<StateListener>();

  const moveTo = (next: Inner): void => {
    const from = inner.value;
    inner = next;
    if (from === next.value) return;
    for (const l of [...listeners]) {
      try {
        l(next.value, from);
      } catch (e) {
        // A broken listener must not leave the breaker half-way (a probe admitted but never run): its
        // error is reported as an uncaught exception instead of being thrown into the caller's call.
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  };
  const open = (): void => {
    counts.opened++;
    moveTo({ value: 'open', period: inner.period + 1, openedAt: clock.now() });
  };

  /** Outcome of a call let through while closed; late outcomes (admitted before a trip) change nothing. */
  const settleClosed = (period: number, failed: boolean): void => {
    if (inner.value !== 'closed' || inner.period !== period) return;
    if (!failed) counter.success(clock.now());
    else if (counter.failure(clock.now())) open();
  };
  /** Outcome of the probe: an answer closes the circuit with a fresh count, a failure opens it again. */
  const settleProbe = (failed: boolean, answered: boolean): void => {
    if (failed) {
      counter.failure(clock.now());
      open();
      return;
    }
    counter.reset();
    if (answered) counter.success(clock.now());
    moveTo({ value: 'closed', period: inner.period });
  };

  const guard = <T>(operation: Operation<T>): Operation<T> => {
    check.fn('operation', operation);
    return async (signal) => {
      check.kind(signal instanceof AbortSignal, 'signal', 'must be an AbortSignal', signal);
      signal.throwIfAborted();
      const state = inner;
      let probe = false;
      if (state.value === 'half-open') {
        counts.rejected++;
        throw new CircuitOpenError('half-open', 0);
      }
      if (state.value === 'open') {
        const waited = clock.now() - state.openedAt;
        if (waited < halfOpenAfterMs) {
          counts.rejected++;
          throw new CircuitOpenError('open', halfOpenAfterMs - waited);
        }
        probe = true;
        counts.probes++;
        moveTo({ value: 'half-open', period: state.period, openedAt: state.openedAt });
      }
      counts.admitted++;
      const period = inner.period;
      try {
        const result = await operation(signal);
        counts.succeeded++;
        if (probe) settleProbe(false, true);
        else settleClosed(period, false);
        return result;
      } catch (error) {
        const failed = isFailure(error);
        if (failed) counts.failed++;
        if (probe) settleProbe(failed, false);
        else if (failed) settleClosed(period, true);
        throw error;
      }
    };
  };

  return Object.assign(guard as Policy, {
    state: () => inner.value,
    stats: (): CircuitBreakerStats => ({ state: inner.value, ...counts, window: counter.snapshot() }),
    onStateChange(listener: StateListener) {
      check.fn('listener', listener);
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  });
}
