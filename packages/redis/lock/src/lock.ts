// A lease-based lock on one Redis server: SET NX PX with a random owner token, compare-and-delete release,
// compare-and-pexpire extension, and a fencing token handed out atomically with every acquisition.
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { LockAbortedError, LockLostError, LockTimeoutError, check, redisCall, requireClient } from './errors.ts';
import { keepAlive } from './keep-alive.ts';
import { luaScript, runScript } from './scripts.ts';

export interface AcquireOptions {
  /** Lease length: the lock disappears this long after acquisition (or the last extension). */
  ttlMs: number;
  /** Wait between attempts while the lock is held by someone else (default 50). */
  retryDelayMs?: number;
  /** Up to this much random extra wait per attempt, so waiters do not retry in lockstep (default 50). */
  retryJitterMs?: number;
  /** Give up with LockTimeoutError after this long (default 10 000; 0 = one attempt). */
  acquireTimeoutMs?: number;
  /** Cancels waiting for the lock (LockAbortedError) and, in withLock, is passed on to the work. */
  signal?: AbortSignal;
  /** Time for retries, the acquire deadline and the lease (default: the kit's systemClock, epoch ms). */
  clock?: Clock;
}

export interface WithLockOptions extends AcquireOptions {
  /**
   * Extend the lease this often while the work runs (default ttlMs / 3). After a failed extension the
   * next try comes this much later or at the lease's end, whichever is sooner: at or below ttlMs / 2,
   * a failed extension is retried at least once before the lease runs out.
   */
  extendEveryMs?: number;
}

export interface Lock {
  /** The resource name the caller passed. */
  readonly name: string;
  /** The Redis key holding the owner token. */
  readonly key: string;
  /** Random owner token (128 bits from crypto.randomBytes): proves this holder is the owner. */
  readonly token: string;
  /** Fencing token: strictly greater than that of every earlier acquisition of this resource. */
  readonly fence: number;
  readonly ttlMs: number;
  /** Clock time (epoch ms) until which the lease surely holds (counted from when the last successful request was sent). */
  readonly validUntil: number;
  /** Successful extensions so far. */
  readonly extensions: number;
  /**
   * Deletes the key if this holder still owns it. false: it had expired or belongs to someone else now.
   * Idempotent: calling it again (or the client re-sending it) within RELEASE_RECEIPT_MS answers true.
   */
  release(): Promise<boolean>;
  /** Resets the lease to `ttlMs` from now if this holder still owns it. false: too late, it is lost. */
  extend(ttlMs?: number): Promise<boolean>;
}

/**
 * How long a release's receipt lives: a release re-sent by the client within this time (its first reply
 * was lost) still answers "released". Later, it answers "not held": a false alarm, never a false "held".
 */
export const RELEASE_RECEIPT_MS = 60_000;

/** Keys of one lock. The {hash tag} keeps both in one Redis Cluster slot, as a two-key script needs. */
export const lockKeys = (name: string): { lock: string; fence: string } => ({
  lock: `lock:{${name}}`,
  fence: `lock:{${name}}:fence`,
});

class RedisLock implements Lock {
  readonly name: string;
  readonly key: string;
  readonly token: string;
  readonly fence: number;
  readonly ttlMs: number;
  readonly #redis: Redis;
  readonly #clock: Clock;
  #validUntil: number;
  #extensions = 0;

  constructor(redis: Redis, clock: Clock, name: string, token: string, fence: number, ttlMs: number, sentAt: number) {
    this.#redis = redis;
    this.#clock = clock;
    this.name = name;
    this.key = lockKeys(name).lock;
    this.token = token;
    this.fence = fence;
    this.ttlMs = ttlMs;
    this.#validUntil = sentAt + ttlMs;
  }
  get validUntil(): number {
    return this.#validUntil;
  }
  get extensions(): number {
    return this.#extensions;
  }

  async release(): Promise<boolean> {
    const released = await redisCall(`releasing lock "${this.name}"`, () =>
      runScript(
        this.#redis,
        luaScript('release-2.lua'),
        [this.key, `${this.key}:released:${this.token}`],
        [this.token, RELEASE_RECEIPT_MS],
      ),
    );
    return released === 1;
  }

  async extend(ttlMs: number = this.ttlMs): Promise<boolean> {
    check.positiveInt('ttlMs', ttlMs);
    const sentAt = this.#clock.now();
    const extended = await redisCall(`extending lock "${this.name}"`, () =>
      runScript(this.#redis, luaScript('extend-1.lua'), [this.key], [this.token, ttlMs]),
    );
    if (extended !== 1) return false;
    this.#validUntil = sentAt + ttlMs;
    this.#extensions++;
    return true;
  }
}

interface Settings {
  ttlMs: number;
  retryDelayMs: number;
  retryJitterMs: number;
  acquireTimeoutMs: number;
  signal: AbortSignal | undefined;
  clock: Clock;
}

function settings(redis: unknown, name: unknown, options: AcquireOptions | undefined): Settings {
  requireClient(redis);
  check.name('name', name);
  check.kind(
    typeof options === 'object' && options !== null,
    'options',
    'must be an object with at least ttlMs',
    options,
  );
  const {
    ttlMs,
    retryDelayMs = 50,
    retryJitterMs = 50,
    acquireTimeoutMs = 10_000,
    signal,
    clock = systemClock,
  } = options;
  check.positiveInt('ttlMs', ttlMs);
  check.positiveInt('retryDelayMs', retryDelayMs);
  check.nonNegativeInt('retryJitterMs', retryJitterMs);
  check.nonNegativeInt('acquireTimeoutMs', acquireTimeoutMs);
  check.signal('signal', signal);
  return { ttlMs, retryDelayMs, retryJitterMs, acquireTimeoutMs, signal, clock };
}

async function attempt(redis: Redis, name: string, ttlMs: number, clock: Clock): Promise<Lock | undefined> {
  const keys = lockKeys(name);
  const token = randomBytes(16).toString('hex');
  const sentAt = clock.now();
  const fence = await redisCall(`acquiring lock "${name}"`, () =>
    runScript(redis, luaScript('acquire-2.lua'), [keys.lock, keys.fence], [token, ttlMs]),
  );
  return fence === 0 ? undefined : new RedisLock(redis, clock, name, token, Number(fence), ttlMs, sentAt);
}

/** One attempt: the lock, or undefined when another owner holds it. */
export async function tryAcquire(
  redis: Redis,
  name: string,
  options: Pick<AcquireOptions, 'ttlMs' | 'clock'>,
): Promise<Lock | undefined> {
  const s = settings(redis, name, options);
  return attempt(redis, name, s.ttlMs, s.clock);
}

/** Retries with delay + jitter until it gets the lock, `acquireTimeoutMs` runs out, or `signal` aborts. */
export async function acquire(redis: Redis, name: string, options: AcquireOptions): Promise<Lock> {
  return acquireWith(redis, name, settings(redis, name, options));
}

async function acquireWith(redis: Redis, name: string, s: Settings): Promise<Lock> {
  const aborted = (): LockAbortedError =>
    new LockAbortedError(`acquiring lock "${name}" was aborted`, { cause: s.signal?.reason });
  const deadline = s.clock.now() + s.acquireTimeoutMs;
  for (let attempts = 1; ; attempts++) {
    if (s.signal?.aborted) throw aborted();
    const lock = await attempt(redis, name, s.ttlMs, s.clock);
    if (lock) return lock;
    const left = deadline - s.clock.now();
    if (left <= 0) {
      throw new LockTimeoutError(
        `lock "${name}" was still held by another owner after ${s.acquireTimeoutMs} ms (${attempts} attempts)`,
      );
    }
    const wait = Math.min(left, s.retryDelayMs + Math.floor(Math.random() * (s.retryJitterMs + 1)));
    try {
      await s.clock.sleep(wait, s.signal);
    } catch {
      throw aborted();
    }
  }
}

/**
 * Runs `work` while holding the lock: acquires (with retries), extends the lease every ttl/3 while the
 * work runs, aborts `signal` with a LockLostError if the lock is lost (at the latest when the lease runs
 * out, on the holder's clock), and always releases at the end. The work does not start if the lease ran
 * out before the acquisition's reply arrived.
 * Resolves with the work's result; rejects with LockLostError if the lock was lost at any point (the
 * work may then have overlapped with another holder), or with the work's own error.
 */
export async function withLock<T>(
  redis: Redis,
  name: string,
  options: WithLockOptions,
  work: (signal: AbortSignal, lock: Lock) => Promise<T>,
): Promise<T> {
  const s = settings(redis, name, options);
  const everyMs = options.extendEveryMs ?? Math.max(1, Math.floor(s.ttlMs / 3));
  check.positiveInt('extendEveryMs', everyMs);
  check.that(
    everyMs < s.ttlMs,
    'extendEveryMs',
    `must be less than ttlMs (${s.ttlMs}), or the lease runs out between extensions`,
    everyMs,
  );
  check.kind(typeof work === 'function', 'work', 'must be a function (signal, lock) => Promise', work);

  const lock = await acquireWith(redis, name, s);
  const lost = new AbortController();
  const stopKeepAlive = keepAlive(lock, everyMs, s.clock, (e) => lost.abort(e));
  const signal = s.signal ? AbortSignal.any([lost.signal, s.signal]) : lost.signal;
  let released: boolean | Error = false;
  let value: T;
  try {
    if (lost.signal.aborted) throw lost.signal.reason; // the lease ran out before the work could start
    value = await work(signal, lock);
  } catch (e) {
    if (lost.signal.aborted) throw lost.signal.reason;
    throw e;
  } finally {
    await stopKeepAlive();
    released = await lock.release().catch((e: Error) => e);
  }
  if (lost.signal.aborted) throw lost.signal.reason;
  if (released instanceof Error) throw released;
  if (!released) {
    throw new LockLostError(
      `lock "${name}" was lost: it had expired or belonged to another owner when the work finished`,
    );
  }
  return value;
}
