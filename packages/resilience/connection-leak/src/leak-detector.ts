// Finds checkouts that were never released. leakDetector() wraps pool.connect() (and so pool.query(),
// which checks out through it): each checkout records the stack of its caller and the time it was
// handed a client; release() forgets it. A scan on the clock reports every checkout held longer than
// maxCheckoutMs, once, with the function and file:line that checked it out.
import { fileURLToPath } from 'node:url';
import { systemClock, type Clock } from '@poc/kit';
import type pg from 'pg';
import { check, hasMethods } from './errors.ts';

export interface LeakReport {
  /** Sequence number of the checkout (1 = the first since attach). */
  id: number;
  /** How long it had been checked out when reported, in ms. */
  ageMs: number;
  /** The leaker: the first frame outside pg and this package, e.g. "leakyHandler (/app/src/handlers.ts:12:24)". */
  site: string;
  /** The whole stack captured at the checkout ("" when captureStack is off). */
  stack: string;
}

export interface LeakDetectorOptions {
  /** A checkout held longer than this is reported (ms). */
  maxCheckoutMs: number;
  /** Called once per leaked checkout. */
  onLeak: (report: LeakReport) => void;
  /** Time as the detector sees it (default systemClock); tests drive it with a ManualClock. */
  clock?: Clock;
  /** How often to scan (default maxCheckoutMs). */
  checkEveryMs?: number;
  /** Capture a stack per checkout (default true); off, reports say "unknown" (the bench's middle variant). */
  captureStack?: boolean;
}

export interface LeakDetector {
  /** Checkouts not yet released, oldest first, as reports (ageMs as of now). */
  checkedOut(): LeakReport[];
  /** Scans now: reports (and returns) the checkouts older than maxCheckoutMs not reported before. */
  scan(): LeakReport[];
  /** Stops the scans and restores pool.connect; checkouts already made keep working. */
  detach(): void;
}

interface Checkout {
  id: number;
  at: number;
  /** Taken at the checkout; V8 records the frames then but formats `.stack` only when it is first read. */
  trace: Error | undefined;
  reported: boolean;
}

const DETECTOR = Symbol.for('poc-resilience-connection-leak.detector');
const OWN_FILE = fileURLToPath(import.meta.url);

/** The detector attached to `pool`, if any (assertNoLeaks() uses it to name the leakers). */
export const detectorOf = (pool: pg.Pool): LeakDetector | undefined =>
  (pool as unknown as Record<symbol, LeakDetector | undefined>)[DETECTOR];

type ConnectCallback = (err: Error | undefined, client?: pg.PoolClient, done?: (release?: unknown) => void) => void;

export function leakDetector(pool: pg.Pool, options: LeakDetectorOptions): LeakDetector {
  check.kind(hasMethods(pool, 'connect', 'query', 'on'), 'pool', 'must be a pg.Pool', pool);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const { maxCheckoutMs, onLeak, clock = systemClock, checkEveryMs = maxCheckoutMs, captureStack = true } = options;
  check.positiveInt('options.maxCheckoutMs', maxCheckoutMs);
  check.fn('options.onLeak', onLeak);
  check.kind(hasMethods(clock, 'now', 'sleep', 'schedule'), 'options.clock', 'must be a Clock', clock);
  check.positiveInt('options.checkEveryMs', checkEveryMs);
  check.that(typeof captureStack === 'boolean', 'options.captureStack', 'must be a boolean', captureStack);
  check.that(
    detectorOf(pool) === undefined,
    'pool',
    'already has a leakDetector (detach() it first)',
    'a watched pool',
  );

  const open = new Map<number, Checkout>();
  let next = 0;
  const report = (c: Checkout, now: number): LeakReport => {
    const stack = c.trace?.stack ?? '';
    return { id: c.id, ageMs: now - c.at, site: stack ? siteOf(stack) : 'unknown (captureStack: false)', stack };
  };

  /** Called once a client is handed over: tracks it until its release() (pg-pool gives each checkout its own). */
  const track = (client: pg.PoolClient, trace: Error | undefined): void => {
    const checkout: Checkout = { id: ++next, at: clock.now(), trace, reported: false };
    open.set(checkout.id, checkout);
    const release = client.release;
    client.release = (err?: Error | boolean) => {
      open.delete(checkout.id);
      client.release = release;
      return release.call(client, err);
    };
  };
  // The frames are recorded here, synchronously in the caller's stack; formatting waits for a report.
  const capture = (): Error | undefined => (captureStack ? new Error('checkout') : undefined);

  const original = pool.connect as unknown as (this: pg.Pool, callback?: ConnectCallback) => unknown;
  const connect = function (this: pg.Pool, callback?: ConnectCallback): unknown {
    const trace = capture();
    if (typeof callback === 'function') {
      return original.call(this, (err, client, done) => {
        if (!err && client) track(client, trace);
        callback(err, client, done);
      });
    }
    return (original.call(this) as Promise<pg.PoolClient>).then((client) => {
      track(client, trace);
      return client;
    });
  };

  function scan(): LeakReport[] {
    const now = clock.now();
    const found: LeakReport[] = [];
    for (const c of open.values()) {
      if (c.reported || now - c.at < maxCheckoutMs) continue;
      c.reported = true;
      found.push(report(c, now));
    }
    for (const r of found) onLeak(r);
    return found;
  }

  let cancel = clock.schedule(function tick() {
    scan();
    cancel = clock.schedule(tick, checkEveryMs);
  }, checkEveryMs);

  const detector: LeakDetector = {
    checkedOut: () => [...open.values()].map((c) => report(c, clock.now())),
    scan,
    detach() {
      cancel();
      delete (pool as { connect?: unknown }).connect;
      delete (pool as unknown as Record<symbol, unknown>)[DETECTOR];
    },
  };
  Object.assign(pool, { connect, [DETECTOR]: detector });
  return detector;
}

/** The first frame of `stack` that is the caller's code: not this file, not pg, not Node's internals. */
export function siteOf(stack: string): string {
  const frames = stack
    .split('\n')
    .slice(1)
    .map((l) => l.trim().replace(/^at /, ''));
  const mine = frames.find(
    (f) =>
      !f.includes(OWN_FILE) &&
      !/[/\\]node_modules[/\\]/.test(f) &&
      !f.includes('node:internal') &&
      !f.startsWith('new Promise') &&
      !f.startsWith('Pool.') &&
      !f.startsWith('BoundPool.'),
  );
  return mine ?? frames[0] ?? 'unknown';
}
