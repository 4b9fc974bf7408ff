// Run a callback in one transaction at a chosen isolation level; when the server aborts it with a
// serialization failure (40001) or a deadlock (40P01), roll back, wait a jittered backoff and run the
// whole callback again on a fresh transaction. Anything else is rolled back and rethrown unchanged.
import { systemClock, type Clock } from '@poc/kit';
import type pg from 'pg';
import { CommitRolledBackError, RetriesExhaustedError, check, isRetryableTransactionError } from './errors.ts';

export const ISOLATION_LEVELS = ['read committed', 'repeatable read', 'serializable'] as const;
export type IsolationLevel = (typeof ISOLATION_LEVELS)[number];

export interface RetryEvent {
  /** The attempt that just failed (1 for the first). */
  attempt: number;
  /** How long the runner waits before the next attempt. */
  delayMs: number;
  error: unknown;
  isolation: IsolationLevel;
}

export interface TransactionOptions {
  /** Default 'serializable'. */
  isolation?: IsolationLevel;
  /** Attempts in all, the first included (default 10). 1 means "never retry". */
  maxAttempts?: number;
  /** Backoff before retry n is random in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))] ms (full jitter). Default 2. */
  baseDelayMs?: number;
  /** Default 100. */
  maxDelayMs?: number;
  /** Which errors start a new attempt (default: SQLSTATE 40001 or 40P01). */
  shouldRetry?: (error: unknown) => boolean;
  /** Called after a failed attempt, before the backoff. An error it throws ends the run. */
  onRetry?: (event: RetryEvent) => void;
  /** Stops further attempts and cuts a backoff short; rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Where the backoff sleeps (default systemClock); a test passes one that does not wait. Only `sleep` is used. */
  clock?: Clock;
  /** Injectable for tests: a number in [0, 1). */
  random?: () => number;
}

export interface TransactionContext {
  attempt: number;
  isolation: IsolationLevel;
  signal?: AbortSignal;
}

/** The callback: everything it does through `tx` is one transaction. It may run more than once. */
export type TransactionBody<T> = (tx: pg.PoolClient, context: TransactionContext) => Promise<T>;

export interface TransactionRunner {
  readonly isolation: IsolationLevel;
  readonly maxAttempts: number;
  run<T>(body: TransactionBody<T>, options?: { signal?: AbortSignal }): Promise<T>;
}

/** What the runner needs from a pool: pg.Pool fits. */
export type ConnectionSource = Pick<pg.Pool, 'connect'>;

/** Full-jitter exponential backoff: random in [0, min(maxDelayMs, baseDelayMs * 2^(attempt-1))]. */
export function backoffDelay(
  attempt: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return Math.round(random() * ceiling);
}

/** A runner with fixed options; validates them now, so a bad option fails before any connection is taken. */
export function transactionRunner(pool: ConnectionSource, options: TransactionOptions = {}): TransactionRunner {
  check.kind(typeof pool?.connect === 'function', 'pool', 'must be a pg.Pool (an object with connect())', pool);
  check.options('options', options);
  const { isolation = 'serializable', maxAttempts = 10, baseDelayMs = 2, maxDelayMs = 100 } = options;
  check.oneOf('isolation', isolation, ISOLATION_LEVELS);
  check.positiveInt('maxAttempts', maxAttempts);
  check.that(
    Number.isFinite(baseDelayMs) && baseDelayMs >= 0,
    'baseDelayMs',
    'must be a finite number >= 0',
    baseDelayMs,
  );
  check.that(
    Number.isFinite(maxDelayMs) && maxDelayMs >= baseDelayMs,
    'maxDelayMs',
    `must be a finite number >= baseDelayMs (${baseDelayMs})`,
    maxDelayMs,
  );
  for (const name of ['shouldRetry', 'onRetry', 'random'] as const) {
    if (options[name] !== undefined) check.fn(name, options[name]);
  }
  const { shouldRetry = isRetryableTransactionError, onRetry, random = Math.random, clock = systemClock } = options;
  check.kind(typeof clock?.sleep === 'function', 'clock', 'must be a Clock (an object with sleep())', clock);
  check.signal('signal', options.signal);
  const begin = `BEGIN ISOLATION LEVEL ${isolation.toUpperCase()}`; // from the fixed list above, never user text

  async function attemptOnce<T>(body: TransactionBody<T>, context: TransactionContext): Promise<T> {
    const tx = await pool.connect();
    let broken: Error | undefined;
    // A connection that dies between two statements emits 'error' on the client, which would crash
    // the process while we hold it; keep it, so the next statement fails and the client is discarded.
    const onLost = (e: Error): void => void (broken ??= e);
    tx.on('error', onLost);
    try {
      await tx.query(begin);
      const result = await body(tx, context);
      const commit = await tx.query('COMMIT');
      // An aborted transaction (a failed statement whose error the body caught) "commits" as ROLLBACK.
      if (commit.command === 'ROLLBACK') throw new CommitRolledBackError(isolation);
      return result;
    } catch (error) {
      try {
        await tx.query('ROLLBACK'); // after a failed COMMIT there is no transaction left: a harmless warning
      } catch (rollbackError) {
        broken ??= rollbackError as Error; // the connection is unusable: destroy it instead of pooling it
      }
      throw error;
    } finally {
      tx.off('error', onLost);
      tx.release(broken);
    }
  }

  return {
    isolation,
    maxAttempts,
    async run<T>(body: TransactionBody<T>, runOptions: { signal?: AbortSignal } = {}): Promise<T> {
      check.kind(typeof body === 'function', 'body', 'must be a function (tx, context) => Promise', body);
      check.options('options', runOptions);
      check.signal('signal', runOptions.signal);
      const signal = runOptions.signal ?? options.signal;
      for (let attempt = 1; ; attempt++) {
        signal?.throwIfAborted();
        try {
          return await attemptOnce(body, { attempt, isolation, signal });
        } catch (error) {
          if (!shouldRetry(error)) throw error;
          if (attempt >= maxAttempts) throw new RetriesExhaustedError(attempt, isolation, error);
          const delayMs = backoffDelay(attempt, baseDelayMs, maxDelayMs, random);
          onRetry?.({ attempt, delayMs, error, isolation });
          try {
            await clock.sleep(delayMs, signal);
          } catch (sleepError) {
            if (signal?.aborted) throw signal.reason;
            throw sleepError;
          }
        }
      }
    },
  };
}

/** One-shot form: `inTransaction(pool, { isolation: 'serializable' }, async (tx) => ...)`. */
export async function inTransaction<T>(
  pool: ConnectionSource,
  options: TransactionOptions,
  body: TransactionBody<T>,
): Promise<T> {
  return transactionRunner(pool, options).run(body);
}
