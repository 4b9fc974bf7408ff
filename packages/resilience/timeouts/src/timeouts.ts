// Timeouts that stop the work, not only the waiting: timeout() aborts the operation's signal with a typed
// TimeoutError when its time is up (and answers the caller at that moment even if the operation ignores
// the signal). A Deadline is one absolute point in time for a whole request; each hop passes on what is
// left of it, minus a reserve for its own reply, as a RELATIVE budget header, so hops never compare clocks.
import { systemClock, type Clock, type Operation, type Policy } from '@poc/kit';
import { DeadlineExceededError, TimeoutError, check } from './errors.ts';

export interface TimeoutOptions {
  /** Time allowed, in ms. */
  ms: number;
  /** Names the operation in the error message (default "operation"). */
  name?: string;
  /** Time as the policy sees it (default systemClock); tests drive it with a ManualClock. */
  clock?: Clock;
}

/** A Policy: the operation gets `ms`, then its signal aborts with a TimeoutError and the caller gets that error. */
export function timeout(options: TimeoutOptions): Policy {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.positiveInt('options.ms', options.ms);
  const name = options.name ?? 'operation';
  check.name('options.name', name);
  const clock = options.clock ?? systemClock;
  checkClock('options.clock', clock);
  const { ms } = options;
  return <T>(operation: Operation<T>): Operation<T> => {
    check.fn('operation', operation);
    return (signal) => {
      check.kind(signal instanceof AbortSignal, 'signal', 'must be an AbortSignal', signal);
      return runWithin(operation, signal, ms, clock, () => new TimeoutError(`${name} took longer than ${ms} ms`, ms));
    };
  };
}

/**
 * Runs `operation` with a signal that aborts when `signal` does or after `ms` (with `error()`), and settles
 * at that moment: the caller never waits for an operation that ignores its signal.
 */
export function runWithin<T>(
  operation: Operation<T>,
  signal: AbortSignal,
  ms: number,
  clock: Clock,
  error: () => Error,
): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  const inner = new AbortController();
  const onOuterAbort = (): void => inner.abort(signal.reason);
  signal.addEventListener('abort', onOuterAbort, { once: true });
  let cancelTimer = (): void => undefined;
  const stopped = new Promise<never>((_, reject) => {
    inner.signal.addEventListener('abort', () => reject(inner.signal.reason), { once: true });
    cancelTimer = clock.schedule(() => inner.abort(error()), ms);
  });
  let work: Promise<T>;
  try {
    work = operation(inner.signal);
  } catch (e) {
    work = Promise.reject(e);
  }
  return Promise.race([work, stopped]).finally(() => {
    cancelTimer();
    signal.removeEventListener('abort', onOuterAbort);
  });
}

/** One absolute end for a whole request, read on this process's clock. */
export class Deadline {
  readonly at: number;
  readonly clock: Clock;
  private constructor(at: number, clock: Clock) {
    this.at = at;
    this.clock = clock;
  }

  /** The deadline `ms` from now. */
  static after(ms: number, clock: Clock = systemClock): Deadline {
    check.nonNegativeInt('ms', ms);
    checkClock('clock', clock);
    return new Deadline(clock.now() + ms, clock);
  }

  /** The deadline at `epochMs` (wall-clock ms): only for a time read on this same clock. */
  static at(epochMs: number, clock: Clock = systemClock): Deadline {
    check.nonNegativeInt('epochMs', epochMs);
    checkClock('clock', clock);
    return new Deadline(epochMs, clock);
  }

  /** Milliseconds left (0 once passed). */
  remaining(): number {
    return Math.max(0, this.at - this.clock.now());
  }

  /** What the next hop may spend: what is left minus `reserveMs` kept to answer our own caller. */
  budget(reserveMs = 0): number {
    check.nonNegativeInt('reserveMs', reserveMs);
    return Math.max(0, this.remaining() - reserveMs);
  }

  /**
   * Runs `operation` within the budget left minus `reserveMs`, its signal aborted at that point (with a
   * TimeoutError) or when `signal` aborts. Refuses to start (DeadlineExceededError) when nothing is left.
   */
  run<T>(operation: Operation<T>, signal: AbortSignal, reserveMs = 0): Promise<T> {
    const budget = this.budget(reserveMs);
    if (budget <= 0)
      return Promise.reject(
        new DeadlineExceededError(
          `deadline passed: ${this.remaining()} ms left, ${reserveMs} ms reserved for the reply`,
          this.remaining(),
        ),
      );
    return runWithin(
      operation,
      signal,
      budget,
      this.clock,
      () => new TimeoutError(`deadline reached after ${budget} ms`, budget),
    );
  }
}

/**
 * The header carrying a deadline between hops: the budget in ms RELATIVE to the moment it is sent (as
 * gRPC's grpc-timeout), not an absolute epoch time. An absolute time is read against the receiver's own
 * clock, so a receiver 2 s ahead would refuse every request and one 2 s behind would work 2 s too long;
 * a relative budget only loses the transit time of one hop, which the per-hop reserve absorbs.
 */
export const DEADLINE_HEADER = 'x-timeout-ms';

/** The header for the next hop: what is left of `deadline` minus `reserveMs`; refuses when nothing is left. */
export function deadlineHeader(deadline: Deadline, reserveMs = 0): Record<string, string> {
  check.kind(deadline instanceof Deadline, 'deadline', 'must be a Deadline', deadline);
  const budget = deadline.budget(reserveMs);
  if (budget <= 0)
    throw new DeadlineExceededError(
      `deadline passed: ${deadline.remaining()} ms left, ${reserveMs} ms reserved for the reply`,
      deadline.remaining(),
    );
  return { [DEADLINE_HEADER]: String(budget) };
}

/** The deadline a received header gives, on this process's clock; undefined without the header. */
export function deadlineFromHeader(value: unknown, clock: Clock = systemClock): Deadline | undefined {
  if (value === undefined) return undefined;
  check.that(
    typeof value === 'string' && /^\d{1,9}$/.test(value),
    DEADLINE_HEADER,
    'must be a whole number of ms',
    value,
  );
  return Deadline.after(Number(value), clock);
}

export function checkClock(argument: string, clock: unknown): asserts clock is Clock {
  check.kind(
    typeof clock === 'object' &&
      clock !== null &&
      ['now', 'sleep', 'schedule'].every((m) => typeof (clock as Record<string, unknown>)[m] === 'function'),
    argument,
    'must be a Clock',
    clock,
  );
}
