// retry(): a kit Policy that runs an operation again after a failure, waiting a back-off from
// ./backoff.ts between attempts. Time comes from an injected Clock and jitter from an injected random
// source; the caller's AbortSignal reaches every attempt and cuts a back-off short. When it gives up
// it rethrows the operation's last error unchanged (never wrapped), so callers keep their own guards.
import { systemClock, type Clock, type Operation, type Policy } from '@poc/kit';
import { BACKOFF_KINDS, backoffDelay, type Backoff, type Random } from './backoff.ts';
import { check } from './errors.ts';

export interface RetryEvent {
  /** The attempt that just failed (1 for the first call). */
  attempt: number;
  /** The wait before the next attempt, in ms. */
  delayMs: number;
  error: unknown;
}

export interface RetryOptions {
  /** Calls in all, the first included (an integer >= 1; 1 never retries). */
  attempts: number;
  /** The schedule between attempts: a strategy record, e.g. { kind: 'full', baseMs: 10, capMs: 1000 }. */
  backoff: Backoff;
  /** Which failures are worth another attempt (default: every error; an abort of the caller's signal never is). */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  /**
   * Asked before each retry, after shouldRetry: false gives up now and rethrows the error. A retry
   * budget plugs in here (poc-resilience-retry-budget); a predicate that takes a token must be called
   * only when a retry would really happen, which is why it comes last.
   */
  allow?: (event: RetryEvent) => boolean;
  /** Told about every retry before its back-off (for logs and counters). */
  onRetry?: (event: RetryEvent) => void;
  /** Where the back-off sleeps (default systemClock); tests pass a ManualClock. */
  clock?: Clock;
  /** Jitter source, a number in [0, 1) (default Math.random). */
  random?: Random;
}

/** A Policy with its settings readable, so a composition can be printed and checked. */
export interface RetryPolicy extends Policy {
  readonly attempts: number;
  readonly backoff: Readonly<Backoff>;
}

/** Checks the options now, so a bad option fails where the policy is built, not on the first failure. */
export function retry(options: RetryOptions): RetryPolicy {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const { attempts, backoff } = options;
  check.positiveInt('options.attempts', attempts);
  check.kind(typeof backoff === 'object' && backoff !== null, 'options.backoff', 'must be an object', backoff);
  check.oneOf('options.backoff.kind', backoff.kind, BACKOFF_KINDS);
  check.that(
    Number.isFinite(backoff.baseMs) && backoff.baseMs >= 0,
    'options.backoff.baseMs',
    'must be a finite number >= 0',
    backoff.baseMs,
  );
  check.that(
    Number.isFinite(backoff.capMs) && backoff.capMs >= backoff.baseMs,
    'options.backoff.capMs',
    `must be a finite number >= baseMs (${backoff.baseMs})`,
    backoff.capMs,
  );
  for (const name of ['shouldRetry', 'allow', 'onRetry', 'random'] as const) {
    if (options[name] !== undefined) check.fn(`options.${name}`, options[name]);
  }
  const clock = options.clock ?? systemClock;
  check.kind(typeof clock?.sleep === 'function', 'options.clock', 'must be a Clock', clock);
  const { shouldRetry = () => true, allow = () => true, onRetry, random = Math.random } = options;
  const schedule: Backoff = { kind: backoff.kind, baseMs: backoff.baseMs, capMs: backoff.capMs };

  const policy = <T>(operation: Operation<T>): Operation<T> => {
    check.fn('operation', operation);
    return async (signal) => {
      check.kind(signal instanceof AbortSignal, 'signal', 'must be an AbortSignal', signal);
      let previousMs = schedule.baseMs;
      for (let attempt = 1; ; attempt++) {
        signal.throwIfAborted();
        try {
          return await operation(signal);
        } catch (error) {
          // The caller gave up while the attempt ran: no retry decision to make, and it hears its own reason
          // (an operation that does not honour the signal may fail later with something else).
          if (signal.aborted) throw signal.reason;
          if (attempt >= attempts || !shouldRetry(error, attempt)) throw error;
          const delayMs = backoffDelay(schedule, attempt, previousMs, random);
          const event: RetryEvent = { attempt, delayMs, error };
          if (!allow(event)) throw error;
          onRetry?.(event);
          previousMs = delayMs;
          await clock.sleep(delayMs, signal); // rejects with signal.reason when the caller aborts
        }
      }
    };
  };
  return Object.assign(policy, { attempts, backoff: Object.freeze(schedule) });
}
