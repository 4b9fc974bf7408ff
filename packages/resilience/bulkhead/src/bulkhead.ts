// A bulkhead: at most `limit` calls to one dependency run at once, at most `queue` more wait (first in,
// first out), and anything beyond is refused at once with a typed error. One per dependency, so a slow
// dependency can fill only its own compartment and never the resource every dependency shares (the
// process's sockets, a pool, the event loop's attention). A caller aborted while queued leaves the queue.
import { systemClock, type Clock, type Operation, type Policy } from '@poc/kit';
import { BulkheadFullError, check } from './errors.ts';

export interface BulkheadOptions {
  /** Names the dependency in errors (default "bulkhead"). */
  name?: string;
  /** Calls allowed to run at once. */
  limit: number;
  /** Calls allowed to wait for a slot (0: refuse as soon as every slot is busy). */
  queue: number;
  /** Longest a call may wait in the queue before it is refused (default: as long as its signal allows). */
  queueTimeoutMs?: number;
  /** Time as the pattern sees it (default systemClock); tests drive the queue timeout with a ManualClock. */
  clock?: Clock;
}

export interface BulkheadStats {
  /** Calls running now. */
  active: number;
  /** Calls waiting for a slot now. */
  queued: number;
  /** Calls refused since creation: queue full, or queue timeout. */
  rejected: number;
  /** Calls that left the queue because their signal aborted. */
  abandoned: number;
  /** Calls that ran to the end (successfully or not). */
  completed: number;
}

/** A Policy (wrap an operation with it) that also reports its counters. */
export interface Bulkhead extends Policy {
  readonly name: string;
  readonly limit: number;
  readonly queue: number;
  stats(): BulkheadStats;
}

interface Waiter {
  /** Called with the slot already counted as active: the waiter owns it. */
  start(): void;
}

/** A bulkhead Policy for one dependency. Every option is checked first (a BulkheadArgumentError names it). */
export function bulkhead(options: BulkheadOptions): Bulkhead {
  const { name, limit, queue, queueTimeoutMs, clock } = checkOptions(options);
  const waiting: Waiter[] = [];
  const stats = { active: 0, rejected: 0, abandoned: 0, completed: 0 };

  // A freed slot goes straight to the oldest waiter (active never drops), so a newcomer cannot barge in.
  const release = (): void => {
    const next = waiting.shift();
    if (next) next.start();
    else stats.active--;
  };

  const acquire = (signal: AbortSignal): Promise<void> => {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (stats.active < limit) {
      stats.active++;
      return Promise.resolve();
    }
    if (waiting.length >= queue) {
      stats.rejected++;
      return Promise.reject(new BulkheadFullError(name, 'queue-full', limit, queue));
    }
    return new Promise<void>((resolve, reject) => {
      const leave = (): void => {
        waiting.splice(waiting.indexOf(waiter), 1);
        signal.removeEventListener('abort', onAbort);
        cancelTimer();
      };
      const onAbort = (): void => {
        leave();
        stats.abandoned++;
        reject(signal.reason);
      };
      const cancelTimer =
        queueTimeoutMs === undefined
          ? () => undefined
          : clock.schedule(() => {
              leave();
              stats.rejected++;
              reject(new BulkheadFullError(name, 'queue-timeout', limit, queue));
            }, queueTimeoutMs);
      const waiter: Waiter = {
        start() {
          signal.removeEventListener('abort', onAbort);
          cancelTimer();
          resolve();
        },
      };
      waiting.push(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  };

  const policy = <T>(operation: Operation<T>): Operation<T> => {
    check.fn('operation', operation);
    return async (signal) => {
      check.kind(signal instanceof AbortSignal, 'signal', 'must be an AbortSignal', signal);
      await acquire(signal);
      try {
        return await operation(signal);
      } finally {
        stats.completed++;
        release();
      }
    };
  };
  // A function's own `name` is read-only for assignment but configurable: define it.
  return Object.assign(Object.defineProperty(policy, 'name', { value: name }), {
    limit,
    queue,
    stats: (): BulkheadStats => ({ ...stats, queued: waiting.length }),
  });
}

/** Checks the options once; the naive variant (src/naive.ts) takes the same, checked here too. */
export function checkOptions(options: BulkheadOptions): Required<Omit<BulkheadOptions, 'queueTimeoutMs'>> & {
  queueTimeoutMs: number | undefined;
} {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const name = options.name ?? 'bulkhead';
  check.name('options.name', name);
  check.positiveInt('options.limit', options.limit);
  check.nonNegativeInt('options.queue', options.queue);
  if (options.queueTimeoutMs !== undefined) check.positiveInt('options.queueTimeoutMs', options.queueTimeoutMs);
  const clock = options.clock ?? systemClock;
  check.kind(hasMethods(clock, 'now', 'sleep', 'schedule'), 'options.clock', 'must be a Clock', clock);
  return { name, limit: options.limit, queue: options.queue, queueTimeoutMs: options.queueTimeoutMs, clock };
}

/** A clock is recognised by its methods, so a copy of the kit in another package passes too. */
const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
