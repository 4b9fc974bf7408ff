// Optimistic check-and-set with WATCH: read, decide in the application, write — and let Redis refuse the
// write if anyone changed what was read. WATCH the keys, read them, compute the writes, then MULTI ...
// EXEC: EXEC runs the writes only if no watched key changed since WATCH, and answers nil otherwise. On
// nil, nothing was written: wait a jittered, growing back-off and start again from WATCH, at most
// maxAttempts times. Each attempt runs on a connection of its own (see connections.ts).
import { systemClock, type Clock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { ConnectionPool, type PoolStats } from './connections.ts';
import { WatchOutcomeUnknownError, WatchRetriesExhaustedError, WatchServiceError, check, redisCall } from './errors.ts';

export type Arg = string | number | Buffer;
/** One Redis command as data: its name, then its arguments, e.g. `['set', 'balance', 120]`. */
export type Command = readonly [name: string, ...args: Arg[]];

export interface CheckAndSetOptions {
  /** Connections of its own, opened on demand (default 8): the most updates in flight at once. */
  connections?: number;
  /** Attempts per update, the first included (default 10); then WatchRetriesExhaustedError. */
  maxAttempts?: number;
  /** Back-off before attempt n+1: random in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))] ms (default 1). */
  baseDelayMs?: number;
  /** Default 100. */
  maxDelayMs?: number;
  /** Where the back-off sleeps (default systemClock); tests pass one that records or never wakes. */
  clock?: Clock;
  /** A number in [0, 1) (default Math.random); the jitter's source. */
  random?: () => number;
  /** Called after each conflict, before the back-off. */
  onConflict?: (event: ConflictEvent) => void;
}

export interface ConflictEvent {
  /** The attempt whose EXEC found a watched key changed (1 for the first). */
  readonly attempt: number;
  /** The back-off before the next attempt. */
  readonly delayMs: number;
  readonly keys: readonly string[];
}

/** What a plan gets: the values of the watched keys, read after WATCH on the attempt's own connection. */
export interface Attempt {
  readonly attempt: number;
  /** One value per watched key (MGET): null for a missing key or one that is not a string. */
  readonly values: ReadonlyArray<string | null>;
  /** The attempt's connection, for further reads (WATCH anything else you read first). Never MULTI or EXEC on it. */
  readonly redis: Redis;
  readonly signal?: AbortSignal;
}

/** What a plan decides: the writes to run in MULTI ... EXEC (none: write nothing) and what update() returns. */
export interface Plan<T> {
  readonly writes: readonly Command[];
  readonly result: T;
}

export interface Committed<T> {
  readonly result: T;
  /** Attempts it took (1 + the conflicts). */
  readonly attempts: number;
}

export interface CheckAndSet {
  /**
   * WATCHes `keys`, reads them, calls `plan`, and runs its writes in MULTI/EXEC; on a conflict, backs off
   * and starts again. `plan` may run several times: keep it free of side effects outside Redis. Rejects
   * with WatchRetriesExhaustedError, WatchOutcomeUnknownError, WatchServiceError, an error `plan` threw,
   * or `signal.reason` (checked before each attempt, during back-off and waits, and before EXEC).
   */
  update<T>(
    keys: readonly string[],
    plan: (attempt: Attempt) => Plan<T> | Promise<Plan<T>>,
    options?: { signal?: AbortSignal },
  ): Promise<Committed<T>>;
  /** update() for one string key: its new value is `change(old value)`. */
  modify(
    key: string,
    change: (value: string | null) => string | Promise<string>,
    options?: { signal?: AbortSignal },
  ): Promise<Committed<string>>;
  readonly connections: PoolStats;
  /** Closes its connections (the client passed in stays open). */
  close(): Promise<void>;
}

/** What checkAndSet() uses for the options it is not given. */
export const checkAndSetDefaults = { connections: 8, maxAttempts: 10, baseDelayMs: 1, maxDelayMs: 100 } as const;

/** Full-jitter exponential back-off: random in [0, min(maxDelayMs, baseDelayMs * 2^(attempt-1))], whole ms. */
export function backoffDelay(
  attempt: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number = Math.random,
): number {
  return Math.round(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)));
}

export function checkAndSet(redis: Redis, options: CheckAndSetOptions = {}): CheckAndSet {
  checkClient(redis);
  check.options('options', options);
  const {
    connections = checkAndSetDefaults.connections,
    maxAttempts = checkAndSetDefaults.maxAttempts,
    baseDelayMs = checkAndSetDefaults.baseDelayMs,
    maxDelayMs = checkAndSetDefaults.maxDelayMs,
  } = options;
  check.intIn('options.connections', connections, 1, 1_000);
  check.positiveInt('options.maxAttempts', maxAttempts);
  check.nonNegativeInt('options.baseDelayMs', baseDelayMs);
  check.that(
    Number.isSafeInteger(maxDelayMs) && maxDelayMs >= baseDelayMs,
    'options.maxDelayMs',
    `must be an integer >= options.baseDelayMs (${baseDelayMs})`,
    maxDelayMs,
  );
  const { clock = systemClock, random = Math.random, onConflict } = options;
  check.kind(typeof clock?.sleep === 'function', 'options.clock', 'must be a Clock', clock);
  check.fn('options.random', random);
  if (onConflict !== undefined) check.fn('options.onConflict', onConflict);
  const pool = new ConnectionPool(redis, connections);

  async function update<T>(
    keys: readonly string[],
    plan: (attempt: Attempt) => Plan<T> | Promise<Plan<T>>,
    runOptions: { signal?: AbortSignal } = {},
  ): Promise<Committed<T>> {
    checkKeys(keys);
    check.fn('plan', plan);
    check.options('options', runOptions);
    const { signal } = runOptions;
    check.signal('signal', signal);
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      const connection = await pool.acquire(signal);
      const outcome = await attemptOn(connection, pool, keys, plan, attempt, signal);
      if (outcome.committed) return { result: outcome.result, attempts: attempt };
      if (attempt >= maxAttempts) throw new WatchRetriesExhaustedError(attempt, keys);
      const delayMs = backoffDelay(attempt, baseDelayMs, maxDelayMs, random);
      onConflict?.({ attempt, delayMs, keys });
      await clock.sleep(delayMs, signal); // rejects with signal.reason on abort
    }
  }

  return {
    update,
    modify(key, change, runOptions) {
      check.name('key', key);
      check.fn('change', change);
      return update(
        [key],
        async ({ values }) => {
          const next = await change(values[0] ?? null);
          check.that(typeof next === 'string', 'change()', 'must return a string', next);
          return { writes: [['set', key, next]], result: next };
        },
        runOptions,
      );
    },
    get connections() {
      return pool.stats;
    },
    close: () => pool.close(),
  };
}

type Outcome<T> = { committed: true; result: T } | { committed: false };

/** One attempt on a leased connection; gives the connection back (or discards it) before it returns. */
async function attemptOn<T>(
  connection: Redis,
  pool: ConnectionPool,
  keys: readonly string[],
  plan: (attempt: Attempt) => Plan<T> | Promise<Plan<T>>,
  attempt: number,
  signal: AbortSignal | undefined,
): Promise<Outcome<T>> {
  const what = `update of ${keys.map((k) => `"${k}"`).join(', ')}`;
  let execSent = false;
  let lost = false;
  // With re-sends off, ioredis never settles the commands of a connection that broke; the attempt listens
  // for the break itself, so it fails at once instead of hanging.
  let onClose!: () => void;
  const broken = new Promise<never>((_, reject) => {
    onClose = () => {
      lost = true;
      reject(
        execSent
          ? new WatchOutcomeUnknownError(
              `${what}: the connection broke after EXEC was sent; the writes may or may not have been applied`,
            )
          : new WatchServiceError(`${what}: the connection to Redis broke before EXEC; nothing was written`),
      );
    };
  });
  broken.catch(() => {}); // only raced below; unobserved when the connection stays up
  connection.once('close', onClose);
  const guarded = <X>(step: string, call: () => Promise<X>): Promise<X> =>
    Promise.race([redisCall(`${what}: ${step}`, call), broken]);

  let replies: Array<[Error | null, unknown]>;
  let planned: Plan<T>;
  try {
    await guarded('WATCH', () => connection.watch(...keys));
    const values = await guarded('reading the watched keys', () => connection.mget(...keys));
    planned = await plan({ attempt, values, redis: connection, ...(signal ? { signal } : {}) });
    checkPlan(planned);
    signal?.throwIfAborted();
    if (planned.writes.length === 0) {
      await guarded('UNWATCH', () => connection.unwatch());
      pool.release(connection);
      return { committed: true, result: planned.result };
    }
    const pipeline = connection.pipeline();
    pipeline.call('multi');
    for (const [name, ...args] of planned.writes) pipeline.call(name, ...args);
    pipeline.call('exec');
    execSent = true;
    replies = (await guarded('MULTI/EXEC', () => pipeline.exec()))!;
  } catch (error) {
    if (lost || execSent) {
      pool.discard(connection); // broken, or in a state nobody knows: never reused
      throw error;
    }
    // A plan that threw, an abort or an error reply before EXEC: drop the WATCH so the next user of this
    // connection does not inherit it; a connection that cannot do even that is replaced.
    try {
      await Promise.race([connection.unwatch(), broken]);
      pool.release(connection);
    } catch {
      pool.discard(connection);
    }
    throw error;
  } finally {
    connection.off('close', onClose);
  }
  // EXEC has answered, so the connection watches nothing any more, whatever the answer was.
  pool.release(connection);
  return readExec(what, planned, replies);
}

/** MULTI's reply, one QUEUED per write, then EXEC's: a list (ran), nil (a watched key changed) or an error. */
function readExec<T>(what: string, planned: Plan<T>, replies: Array<[Error | null, unknown]>): Outcome<T> {
  const [multiError] = replies[0]!;
  if (multiError) throw new WatchServiceError(`${what}: MULTI failed: ${multiError.message}`, { cause: multiError });
  const [execError, execReply] = replies.at(-1)!;
  if (execError) {
    const refused = replies
      .slice(1, -1)
      .flatMap(([e], i) => (e ? [`#${i} ${String(planned.writes[i]![0]).toUpperCase()}: ${e.message}`] : []));
    throw new WatchServiceError(
      `${what}: EXEC refused (${execError.message}), nothing was written${refused.length ? `: ${refused.join('; ')}` : ''}`,
      { cause: execError },
    );
  }
  if (execReply === null) return { committed: false };
  const failed = (execReply as unknown[]).flatMap((r, i) =>
    r instanceof Error ? [`#${i} ${String(planned.writes[i]![0]).toUpperCase()}: ${r.message}`] : [],
  );
  if (failed.length > 0)
    throw new WatchServiceError(
      `${what}: EXEC ran, and ${failed.length} of ${planned.writes.length} writes failed (Redis does not roll back the others): ${failed.join('; ')}`,
    );
  return { committed: true, result: planned.result };
}

/** Clients are recognised by their methods, so another copy of ioredis passes too. */
export function checkClient(redis: unknown): asserts redis is Redis {
  check.kind(
    typeof redis === 'object' &&
      redis !== null &&
      ['duplicate', 'watch', 'get', 'set', 'evalsha'].every(
        (m) => typeof (redis as Record<string, unknown>)[m] === 'function',
      ),
    'redis',
    'must be an ioredis client',
    redis,
  );
}

function checkKeys(keys: unknown): asserts keys is readonly string[] {
  check.kind(Array.isArray(keys) && keys.length > 0, 'keys', 'must be a non-empty array of key names', keys);
  keys.forEach((key: unknown, i) => check.name(`keys[${i}]`, key));
}

const isArg = (a: unknown): boolean =>
  typeof a === 'string' || (typeof a === 'number' && Number.isFinite(a)) || Buffer.isBuffer(a);

function checkPlan(planned: unknown): asserts planned is Plan<unknown> {
  check.kind(
    typeof planned === 'object' && planned !== null && Array.isArray((planned as Plan<unknown>).writes),
    'plan()',
    'must return { writes: Command[], result }',
    planned,
  );
  (planned as Plan<unknown>).writes.forEach((command: unknown, i) => {
    check.kind(Array.isArray(command), `plan().writes[${i}]`, 'must be an array [name, ...args]', command);
    check.name(`plan().writes[${i}][0]`, command[0]);
    command
      .slice(1)
      .forEach((arg: unknown, j) =>
        check.that(isArg(arg), `plan().writes[${i}][${j + 1}]`, 'must be a string, a finite number or a Buffer', arg),
      );
  });
}
