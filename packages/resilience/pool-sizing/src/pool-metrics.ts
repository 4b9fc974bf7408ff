// Instruments a pg.Pool: every checkout (pool.connect(), and pool.query(), which checks out through it)
// is timed from the call to the moment a client is handed over, and counted as acquired, timed out (pg's
// connectionTimeoutMillis) or failed. The pool's own counters (in use, idle, waiting) are read at scrape
// time. Everything is exported in Prometheus's text format through a prom-client Registry.
import { systemClock, type Clock } from '@poc/kit';
import type pg from 'pg';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { check, hasMethods } from './errors.ts';

/** pg-pool's message when a checkout waited longer than connectionTimeoutMillis. */
export const PG_CHECKOUT_TIMEOUT = 'timeout exceeded when trying to connect';

/** Upper bounds (seconds) of the checkout-wait histogram: sub-millisecond hand-overs to multi-second queues. */
export const DEFAULT_WAIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface PoolMetricsOptions {
  /** Where checkout waits are timed (default: the system clock with sub-millisecond `now()`). */
  clock?: Clock;
  /** The registry the metrics join (default: a new one of their own, so two pools never clash). */
  registry?: Registry;
  /** Metric name prefix (default "pg_pool_"); two pools on one registry need two prefixes. */
  prefix?: string;
  /** Histogram bucket upper bounds in seconds (default DEFAULT_WAIT_BUCKETS). */
  buckets?: number[];
}

/** The same numbers as the exported metrics, read synchronously (an alarm samples `waiting`). */
export interface PoolSnapshot {
  /** pg.Pool's `max`. */
  size: number;
  /** Clients checked out (and clients being connected for a caller). */
  inUse: number;
  idle: number;
  /** Callers queued for a client. */
  waiting: number;
  /** Since attach: checkouts handed a client, checkouts pg timed out, checkouts that failed otherwise. */
  acquired: number;
  timedOut: number;
  failed: number;
}

export interface PoolMetrics {
  readonly registry: Registry;
  snapshot(): PoolSnapshot;
  /** The Prometheus text exposition of the registry (what a /metrics endpoint returns). */
  metrics(): Promise<string>;
  /** Restores pool.connect and removes this pool's metrics from the registry. */
  detach(): void;
}

/** The system clock with a fractional `now()`: most waits on a warm pool are well under a millisecond. */
export const preciseClock: Clock = { ...systemClock, now: () => performance.timeOrigin + performance.now() };

type ConnectCallback = (err: Error | undefined, client?: pg.PoolClient, done?: (release?: unknown) => void) => void;

/** Instruments `pool` in place (its connect() is wrapped; detach() undoes it). Arguments are checked first. */
export function poolMetrics(pool: pg.Pool, options: PoolMetricsOptions = {}): PoolMetrics {
  check.kind(hasMethods(pool, 'connect', 'query', 'on'), 'pool', 'must be a pg.Pool', pool);
  check.options('options', options);
  const {
    clock = preciseClock,
    registry = new Registry(),
    prefix = 'pg_pool_',
    buckets = DEFAULT_WAIT_BUCKETS,
  } = options;
  check.kind(hasMethods(clock, 'now', 'sleep', 'schedule'), 'options.clock', 'must be a Clock', clock);
  check.kind(
    hasMethods(registry, 'registerMetric', 'metrics', 'removeSingleMetric'),
    'options.registry',
    'must be a prom-client Registry',
    registry,
  );
  check.that(
    typeof prefix === 'string' && /^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix),
    'options.prefix',
    'must be a Prometheus metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*)',
    prefix,
  );
  check.that(
    Array.isArray(buckets) &&
      buckets.length > 0 &&
      buckets.every((b, i) => Number.isFinite(b) && b > 0 && (i === 0 || b > buckets[i - 1]!)),
    'options.buckets',
    'must be a non-empty ascending array of positive seconds',
    buckets,
  );
  check.that(
    !(pool as { __poolMetrics?: true }).__poolMetrics,
    'pool',
    'is already instrumented (detach() first)',
    'an instrumented pool',
  );

  check.that(
    registry.getSingleMetric(`${prefix}size`) === undefined,
    'options.prefix',
    'is already used in this registry (give each pool its own)',
    prefix,
  );

  const size = pool.options?.max ?? 10;
  const counts = { acquired: 0, timedOut: 0, failed: 0 };
  const snapshot = (): PoolSnapshot => ({
    size,
    inUse: pool.totalCount - pool.idleCount,
    idle: pool.idleCount,
    waiting: pool.waitingCount,
    ...counts,
  });

  const registers = [registry];
  const gauge = (name: string, help: string, read: (s: PoolSnapshot) => number): Gauge =>
    new Gauge({
      name: prefix + name,
      help,
      registers,
      collect() {
        this.set(read(snapshot()));
      },
    });
  gauge('size', 'The pool size (pg.Pool max).', (s) => s.size);
  gauge('in_use', 'Clients checked out now (including ones being connected for a caller).', (s) => s.inUse);
  gauge('idle', 'Open clients idle in the pool now.', (s) => s.idle);
  gauge('waiting', 'Callers queued for a client now.', (s) => s.waiting);
  const acquisitions = new Counter({
    name: `${prefix}acquisitions_total`,
    help: 'Checkouts handed a client.',
    registers,
  });
  const timeouts = new Counter({
    name: `${prefix}acquire_timeouts_total`,
    help: 'Checkouts that waited longer than connectionTimeoutMillis.',
    registers,
  });
  const failures = new Counter({
    name: `${prefix}acquire_failures_total`,
    help: 'Checkouts that failed otherwise.',
    registers,
  });
  const wait = new Histogram({
    name: `${prefix}checkout_wait_seconds`,
    help: 'From the checkout call to a client handed over (successful checkouts).',
    buckets,
    registers,
  });
  const names = [
    'size',
    'in_use',
    'idle',
    'waiting',
    'acquisitions_total',
    'acquire_timeouts_total',
    'acquire_failures_total',
    'checkout_wait_seconds',
  ];

  const record = (started: number, err: Error | undefined): void => {
    if (!err) {
      counts.acquired++;
      acquisitions.inc();
      wait.observe(Math.max(0, clock.now() - started) / 1000);
    } else if (err.message === PG_CHECKOUT_TIMEOUT) {
      counts.timedOut++;
      timeouts.inc();
    } else {
      counts.failed++;
      failures.inc();
    }
  };

  // An own property shadows Pool.prototype.connect; pool.query() calls this.connect(cb), so it passes here too.
  const original = pool.connect as unknown as (this: pg.Pool, callback?: ConnectCallback) => unknown;
  const instrumented = function (this: pg.Pool, callback?: ConnectCallback): unknown {
    const started = clock.now();
    if (typeof callback === 'function') {
      return original.call(
        this,
        (err: Error | undefined, client?: pg.PoolClient, done?: (release?: unknown) => void) => {
          record(started, err ?? undefined);
          callback(err, client, done);
        },
      );
    }
    return (original.call(this) as Promise<pg.PoolClient>).then(
      (client) => {
        record(started, undefined);
        return client;
      },
      (err: Error) => {
        record(started, err);
        throw err;
      },
    );
  };
  Object.assign(pool, { connect: instrumented, __poolMetrics: true });

  return {
    registry,
    snapshot,
    metrics: () => registry.metrics(),
    detach() {
      delete (pool as { connect?: unknown }).connect;
      delete (pool as { __poolMetrics?: true }).__poolMetrics;
      for (const name of names) registry.removeSingleMetric(prefix + name);
    },
  };
}

/** The value of one sample in a Prometheus text exposition (`name` with its labels as written), or undefined. */
export function readMetric(exposition: string, name: string): number | undefined {
  for (const line of exposition.split('\n')) {
    if (line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    if (space > 0 && line.slice(0, space) === name) return Number(line.slice(space + 1));
  }
  return undefined;
}
