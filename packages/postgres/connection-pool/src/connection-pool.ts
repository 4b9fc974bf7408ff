// A pg.Pool with a bounded checkout and the four numbers that size it: connections in use, idle,
// callers waiting, and how long each caller waited for a connection (request -> checkout). A caller
// never waits longer than `acquireTimeoutMs`: it gets a PoolTimeoutError carrying its wait and the
// pool's state; a server out of slots gives a PoolRefusedError (53300) instead of a generic failure.
import { systemClock, type Clock } from '@poc/kit';
import type pg from 'pg';
import {
  PoolRefusedError,
  PoolServiceError,
  PoolTimeoutError,
  TOO_MANY_CONNECTIONS,
  check,
  postgresCall,
  sqlState,
  type PoolSnapshot,
} from './errors.ts';

export interface MeteredPoolOptions {
  /** Longest a caller waits for a connection, in ms (default 5 000). Queue wait plus connection setup. */
  acquireTimeoutMs?: number;
  /** How many of the latest waits the percentiles are computed over (default 10 000). */
  sampleSize?: number;
  /** Where waits are timed and timeouts scheduled (default: the system clock with sub-ms `now()`). */
  clock?: Clock;
}

/** A checked-out connection. Call `release()` exactly once; `release(error)` destroys a broken connection. */
export interface Checkout {
  readonly client: pg.PoolClient;
  /** From the acquire() call to the moment the connection was handed over, in ms. */
  readonly waitedMs: number;
  release(error?: Error): void;
}

export interface WaitSummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface PoolStats {
  /** The pool's size (pg.Pool's `max`). */
  size: number;
  /** Open connections (in use + idle). */
  total: number;
  inUse: number;
  idle: number;
  /** Callers queued for a connection now. */
  waiting: number;
  /** Since the start or resetStats(): checkouts, timeouts, refusals by the server, other failures. */
  acquired: number;
  timedOut: number;
  refused: number;
  failed: number;
  /** Errors of idle connections (a server restart); counted instead of crashing the process. */
  idleErrors: number;
  /** Queue wait of the latest `sampleSize` checkouts. */
  wait: WaitSummary;
}

export interface MeteredPool {
  /** The pool's size (pg.Pool's `max`). */
  readonly size: number;
  readonly acquireTimeoutMs: number;
  /** A connection, within acquireTimeoutMs, or a PoolTimeoutError / PoolRefusedError / PoolServiceError. */
  acquire(options?: { signal?: AbortSignal }): Promise<Checkout>;
  /** One statement on a checked-out connection, released afterwards (destroyed if the connection broke). */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
    options?: { signal?: AbortSignal },
  ): Promise<pg.QueryResult<R>>;
  stats(): PoolStats;
  resetStats(): void;
}

/** The system clock, with a fractional `now()`: queue waits are often well under a millisecond. */
export const preciseClock: Clock = {
  ...systemClock,
  now: () => performance.timeOrigin + performance.now(),
};

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * True when the connection is gone: no SQLSTATE (a socket error) or a FATAL/PANIC from the server (e.g.
 * 57P01, the backend was terminated), which pg reports before the socket closes.
 */
export function connectionLost(error: unknown): boolean {
  if (sqlState(error) === undefined) return true;
  const severity = (error as { severity?: unknown }).severity;
  return severity === 'FATAL' || severity === 'PANIC';
}

const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');

/** Wraps `pool` (its size is its `max`); every argument is checked first (a PoolArgumentError names it). */
export function meteredPool(pool: pg.Pool, options: MeteredPoolOptions = {}): MeteredPool {
  check.kind(hasMethods(pool, 'connect', 'query', 'on'), 'pool', 'must be a pg.Pool', pool);
  check.options('options', options);
  const { acquireTimeoutMs = 5_000, sampleSize = 10_000, clock = preciseClock } = options;
  check.positiveInt('options.acquireTimeoutMs', acquireTimeoutMs);
  check.positiveInt('options.sampleSize', sampleSize);
  check.kind(hasMethods(clock, 'now', 'sleep', 'schedule'), 'options.clock', 'must be a Clock', clock);
  const size = pool.options?.max ?? 10;
  check.positiveInt('pool.options.max', size);

  let counts = { acquired: 0, timedOut: 0, refused: 0, failed: 0, idleErrors: 0 };
  let waits: number[] = [];
  let next = 0; // ring buffer position once `waits` is full
  const recordWait = (ms: number): void => {
    if (waits.length < sampleSize) waits.push(ms);
    else waits[next++ % sampleSize] = ms;
  };
  // A connection that dies while idle emits 'error' on the pool, which crashes a process with no listener.
  pool.on('error', () => void counts.idleErrors++);

  const snapshot = (): PoolSnapshot => ({
    poolSize: size,
    inUse: pool.totalCount - pool.idleCount,
    waiting: pool.waitingCount,
  });

  async function acquire(acquireOptions: { signal?: AbortSignal } = {}): Promise<Checkout> {
    check.options('options', acquireOptions);
    const { signal } = acquireOptions;
    check.signal('signal', signal);
    signal?.throwIfAborted();
    const started = clock.now();
    return new Promise<Checkout>((resolve, reject) => {
      let settled = false;
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        cancelTimer();
        signal?.removeEventListener('abort', onAbort);
        return true;
      };
      const cancelTimer = clock.schedule(() => {
        const state = snapshot(); // read before settling: this caller is still in pg's queue
        if (!settle()) return;
        counts.timedOut++;
        reject(new PoolTimeoutError(clock.now() - started, state));
      }, acquireTimeoutMs);
      const onAbort = (): void => {
        if (settle()) reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });

      pool.connect().then(
        (client) => {
          // pg.Pool keeps the request queued after we gave up; when it is served, hand the connection back.
          if (!settle()) return client.release();
          const waitedMs = clock.now() - started;
          counts.acquired++;
          recordWait(waitedMs);
          let released = false;
          // A connection that dies while checked out emits 'error' on the client, which would crash a
          // process with no listener: keep it, and destroy the connection on release instead of pooling it.
          let lost: Error | undefined;
          const onLost = (e: Error): void => void (lost ??= e);
          client.on('error', onLost);
          resolve({
            client,
            waitedMs,
            release(error?: Error) {
              if (released) return; // pg throws on a second release; a double release here is harmless
              released = true;
              client.off('error', onLost);
              client.release(error ?? lost);
            },
          });
        },
        (error: unknown) => {
          if (!settle()) return;
          const state = sqlState(error);
          if (state === TOO_MANY_CONNECTIONS) {
            counts.refused++;
            reject(new PoolRefusedError(error, state, snapshot()));
          } else {
            counts.failed++;
            const reason = error instanceof Error ? error.message : String(error);
            reject(new PoolServiceError(`acquiring a connection failed: ${reason}`, { cause: error }));
          }
        },
      );
    });
  }

  return {
    size,
    acquireTimeoutMs,
    acquire,
    async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
      text: string,
      values?: unknown[],
      queryOptions: { signal?: AbortSignal } = {},
    ): Promise<pg.QueryResult<R>> {
      check.name('text', text);
      check.kind(values === undefined || Array.isArray(values), 'values', 'must be an array', values);
      const checkout = await acquire(queryOptions);
      let broken: Error | undefined;
      try {
        return await postgresCall(`running "${text.slice(0, 60)}"`, () => checkout.client.query<R>(text, values));
      } catch (e) {
        if (connectionLost((e as Error).cause)) broken = e as Error;
        throw e;
      } finally {
        checkout.release(broken); // a SQL error leaves the connection usable; a lost one is destroyed, not pooled
      }
    },
    stats(): PoolStats {
      const sorted = [...waits].sort((a, b) => a - b);
      const { inUse, waiting } = snapshot();
      return {
        size,
        total: pool.totalCount,
        inUse,
        idle: pool.idleCount,
        waiting,
        ...counts,
        wait: {
          count: sorted.length,
          meanMs: sorted.length === 0 ? 0 : sorted.reduce((a, b) => a + b, 0) / sorted.length,
          p50Ms: percentile(sorted, 50),
          p99Ms: percentile(sorted, 99),
          maxMs: sorted.at(-1) ?? 0,
        },
      };
    },
    resetStats() {
      counts = { acquired: 0, timedOut: 0, refused: 0, failed: 0, idleErrors: 0 };
      waits = [];
      next = 0;
    },
  };
}
