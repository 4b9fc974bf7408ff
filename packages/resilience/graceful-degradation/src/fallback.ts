// A fallback as a kit Policy: when the operation fails with an error `when` accepts, the caller gets what
// `to(error, signal)` gives instead (a stale copy, a default, a feature switched off). It is meant to be the
// OUTERMOST policy: compose(fallback(...), breaker, timeout)(op), so a hung dependency becomes a
// TimeoutError, an open circuit a CircuitOpenError, and both become a degraded answer at once. A caller who
// cancelled (its own signal aborted) gets no fallback: its error is rethrown unchanged.
import type { Operation, Policy } from '@poc/kit';
import { FallbackFailedError, check } from './errors.ts';

export interface FallbackOptions<F = unknown> {
  /**
   * The answer instead of the failed operation's, given the error and the caller's signal. It must give a
   * value of the operation's own type (a kit Policy cannot change it: withFallback() checks it). If it
   * throws, the caller gets FallbackFailedError with both errors.
   */
  to: (error: unknown, signal: AbortSignal) => F | Promise<F>;
  /** Which errors fall back (default: every error). Others are rethrown unchanged. */
  when?: (error: unknown) => boolean;
}

export interface FallbackStats {
  /** Calls through the policy. */
  readonly calls: number;
  /** Answered by the operation itself. */
  readonly succeeded: number;
  /** Answered by the fallback. */
  readonly fellBack: number;
  /** Failures rethrown unchanged (not accepted by `when`, or the caller's own abort). */
  readonly passedOn: number;
  /** Failures whose fallback failed too (FallbackFailedError). */
  readonly fallbackFailed: number;
}

/** A Policy (fallback(op) is op with its fallback) that counts what it did. */
export interface Fallback extends Policy {
  stats(): FallbackStats;
}

/** A fallback policy. Every option is checked first (a GracefulDegradationArgumentError names it). */
export function fallback<F>(options: FallbackOptions<F>): Fallback {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.fn('options.to', options.to);
  const when = options.when ?? (() => true);
  check.fn('options.when', when);
  const { to } = options;
  const counts = { calls: 0, succeeded: 0, fellBack: 0, passedOn: 0, fallbackFailed: 0 };

  const policy = <T>(operation: Operation<T>): Operation<T> => {
    check.fn('operation', operation);
    return async (signal) => {
      check.kind(signal instanceof AbortSignal, 'signal', 'must be an AbortSignal', signal);
      counts.calls++;
      try {
        const value = await operation(signal);
        counts.succeeded++;
        return value;
      } catch (error) {
        if (signal.aborted || !when(error)) {
          counts.passedOn++;
          throw error;
        }
        try {
          const value = await to(error, signal);
          counts.fellBack++;
          return value as unknown as T;
        } catch (fallbackError) {
          counts.fallbackFailed++;
          throw new FallbackFailedError(error, fallbackError);
        }
      }
    };
  };
  return Object.assign(policy as Policy, { stats: (): FallbackStats => ({ ...counts }) });
}

/** The typed form for one operation: `to` must give the operation's own type. */
export function withFallback<T>(operation: Operation<T>, options: FallbackOptions<T>): Operation<T> {
  return fallback(options)(operation);
}
