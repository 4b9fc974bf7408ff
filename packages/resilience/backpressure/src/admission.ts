// Admission control as a kit Policy: at most `concurrency` operations run at once, at most `queue` more wait
// (first in, first out) and none waits longer than `maxQueueWaitMs`; everything beyond that is shed at once
// with OverloadedError, which carries a Retry-After estimate. Memory and waiting time are therefore bounded
// by the options, whatever the arrival rate. All time comes from the injected Clock.
import { systemClock, type Clock, type Operation, type Policy } from '@poc/kit';
import { OverloadedError, check } from './errors.ts';

export interface AdmissionOptions {
  /** Operations running at once (the capacity of what is behind: pool size, worker count). */
  concurrency: number;
  /** Operations allowed to wait for a slot; 0 sheds whatever cannot run at once. */
  queue: number;
  /** Longest wait in the queue; a waiter still queued then is shed with reason 'queue-timeout'. */
  maxQueueWaitMs: number;
  /** Time as the admission sees it (default systemClock); tests drive it with a ManualClock from @poc/kit. */
  clock?: Clock;
}

export interface AdmissionStats {
  readonly concurrency: number;
  /** The queue's bound (Infinity for the naive, unbounded variant). */
  readonly queueBound: number;
  readonly running: number;
  readonly queued: number;
  /** The highest `queued` ever reached: exact, not sampled. */
  readonly maxQueued: number;
  /** Calls given a slot (at once or after waiting). */
  readonly admitted: number;
  /** Admitted calls that finished (resolved or rejected). */
  readonly completed: number;
  /** Calls shed because the queue was full. */
  readonly shedQueueFull: number;
  /** Calls shed because they waited maxQueueWaitMs. */
  readonly shedQueueTimeout: number;
  /** Calls whose signal aborted while they waited (removed from the queue, never run). */
  readonly abortedWhileQueued: number;
  /** Moving average of the time an admitted call holds its slot (0 until one has finished). */
  readonly serviceTimeMs: number;
}

/** Gives up a slot; calling it more than once does nothing. */
export type Release = () => void;

/** A Policy (admission(op) is op behind the admission) that also hands out slots and shows its state. */
export interface Admission extends Policy {
  /**
   * Waits for a slot and resolves with its release, or rejects with OverloadedError (shed) or with
   * `signal.reason` (aborted while queued). For callers that cannot wrap an operation (a fastify hook).
   */
  enter(signal: AbortSignal): Promise<Release>;
  /**
   * How long a caller shed now should wait before retrying: the time for the queue ahead of it to drain,
   * ceil((queued + 1) / concurrency) x the moving average of the service time (maxQueueWaitMs before
   * any call finished), never more than maxQueueWaitMs + that service time.
   */
  retryAfterMs(): number;
  stats(): AdmissionStats;
}

/** What both admissions (this one and the naive one) work with, checked once. */
export interface Context {
  readonly concurrency: number;
  readonly queue: number;
  readonly maxQueueWaitMs: number;
  readonly clock: Clock;
}

/** Checks every option (an error names the argument and the rule). */
export function createContext(options: AdmissionOptions): Context {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.positiveInt('options.concurrency', options.concurrency);
  check.nonNegativeInt('options.queue', options.queue);
  check.positiveInt('options.maxQueueWaitMs', options.maxQueueWaitMs);
  const clock = options.clock ?? systemClock;
  check.kind(hasMethods(clock, 'now', 'sleep', 'schedule'), 'options.clock', 'must be a Clock', clock);
  return { concurrency: options.concurrency, queue: options.queue, maxQueueWaitMs: options.maxQueueWaitMs, clock };
}

const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');

/** Weight of the newest sample in the service-time moving average. */
export const SERVICE_TIME_WEIGHT = 0.2;

interface Waiter {
  grant(): void;
  fail(error: unknown): void;
  done: boolean;
}

/** A first-in-first-out list with O(1) shift, so an unbounded backlog costs memory, not time per call. */
export class Fifo<T> {
  private items: Array<T | undefined> = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

/**
 * The shared engine of both variants: slots, a FIFO of waiters, counts and the service-time average.
 * `bounded` false is the naive variant (no queue bound, no wait limit).
 */
export function admissionEngine(context: Context, bounded: boolean): Admission {
  const { concurrency, maxQueueWaitMs, clock } = context;
  const queueBound = bounded ? context.queue : Infinity;
  const waiting = new Fifo<Waiter>();
  let queued = 0; // live waiters (a cancelled one may still sit in `waiting` until it reaches the head)
  let running = 0;
  let serviceTimeMs = 0;
  let finished = 0;
  const counts = { maxQueued: 0, admitted: 0, completed: 0, shedQueueFull: 0, shedQueueTimeout: 0, aborted: 0 };

  const retryAfterMs = (): number => {
    const perCall = finished > 0 ? serviceTimeMs : maxQueueWaitMs;
    const drain = Math.ceil((queued + 1) / concurrency) * perCall;
    return Math.ceil(bounded ? Math.min(drain, maxQueueWaitMs + perCall) : drain);
  };

  const slot = (): Release => {
    running++;
    counts.admitted++;
    const since = clock.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      running--;
      counts.completed++;
      const took = Math.max(0, clock.now() - since);
      serviceTimeMs = finished === 0 ? took : serviceTimeMs + SERVICE_TIME_WEIGHT * (took - serviceTimeMs);
      finished++;
      next();
    };
  };

  /** A slot is free: hand it to the oldest live waiter. */
  const next = (): void => {
    while (running < concurrency) {
      const w = waiting.shift();
      if (!w) return;
      if (w.done) continue;
      w.grant();
    }
  };

  const enter = (signal: AbortSignal): Promise<Release> => {
    check.kind(signal instanceof AbortSignal, 'signal', 'must be an AbortSignal', signal);
    if (signal.aborted) return Promise.reject(signal.reason);
    if (running < concurrency && queued === 0) return Promise.resolve(slot());
    if (queued >= queueBound) {
      counts.shedQueueFull++;
      return Promise.reject(new OverloadedError('queue-full', retryAfterMs()));
    }
    return new Promise<Release>((resolve, reject) => {
      queued++;
      counts.maxQueued = Math.max(counts.maxQueued, queued);
      const leave = (): void => {
        w.done = true;
        queued--;
        cancelTimer();
        signal.removeEventListener('abort', onAbort);
      };
      const w: Waiter = {
        done: false,
        grant: () => {
          leave();
          resolve(slot());
        },
        fail: (error) => {
          leave();
          reject(error);
        },
      };
      const onAbort = (): void => {
        counts.aborted++;
        w.fail(signal.reason);
      };
      const cancelTimer = bounded
        ? clock.schedule(() => {
            if (w.done) return;
            counts.shedQueueTimeout++;
            w.fail(new OverloadedError('queue-timeout', retryAfterMs()));
          }, maxQueueWaitMs)
        : () => undefined;
      signal.addEventListener('abort', onAbort, { once: true });
      waiting.push(w);
    });
  };

  const policy = <T>(operation: Operation<T>): Operation<T> => {
    check.fn('operation', operation);
    return async (signal) => {
      const release = await enter(signal);
      try {
        return await operation(signal);
      } finally {
        release();
      }
    };
  };

  return Object.assign(policy as Policy, {
    enter,
    retryAfterMs,
    stats: (): AdmissionStats => ({
      concurrency,
      queueBound,
      running,
      queued,
      maxQueued: counts.maxQueued,
      admitted: counts.admitted,
      completed: counts.completed,
      shedQueueFull: counts.shedQueueFull,
      shedQueueTimeout: counts.shedQueueTimeout,
      abortedWhileQueued: counts.aborted,
      serviceTimeMs,
    }),
  });
}

/** Bounded admission: a Policy with a slot limit, a bounded FIFO queue and a bounded wait. Options checked first. */
export function admission(options: AdmissionOptions): Admission {
  return admissionEngine(createContext(options), true);
}
