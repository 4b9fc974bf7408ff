// What people write first: catch, wait a fixed moment, try again. No growth and no jitter, so clients
// that failed together come back together, and the contended resource sees the whole crowd on every
// round. Same Policy shape as retry(), so tests and the bench swap one for the other.
// Not exported from the main entry: import it from 'poc-resilience-backoff-jitter/naive'.
import { systemClock, type Clock, type Operation, type Policy } from '@poc/kit';
import { check } from './errors.ts';

export interface NaiveRetryOptions {
  attempts: number;
  /** The same wait before every retry. */
  delayMs: number;
  clock?: Clock;
}

export function naiveRetry(options: NaiveRetryOptions): Policy {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.positiveInt('options.attempts', options.attempts);
  check.that(
    Number.isFinite(options.delayMs) && options.delayMs >= 0,
    'options.delayMs',
    'must be a finite number >= 0',
    options.delayMs,
  );
  const { attempts, delayMs, clock = systemClock } = options;
  return <T>(operation: Operation<T>): Operation<T> =>
    async (signal) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await operation(signal);
        } catch (error) {
          if (attempt >= attempts) throw error;
          await clock.sleep(delayMs, signal);
        }
      }
    };
}
