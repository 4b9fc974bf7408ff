// Stampede protection as small wrappers around any Loader. When a hot key expires, every reader that
// misses runs the loader at once; these wrappers make that one load: singleFlight() shares one
// in-flight load per key inside a process, lockedCache() elects one loader across processes with a
// Redis lock (SET NX PX) and lets the others wait for the value it stores.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { systemClock, type Clock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { StampedeTimeoutError, check, redisCall } from './errors.ts';

/** The shared shape of every caching POC: loads the value of `key` from the source of truth. */
export type Loader<V> = (key: string, signal?: AbortSignal) => Promise<V>;

export interface GetOptions {
  signal?: AbortSignal;
}

/** What every wrapper returns: `get(key)` answers from the cache or the loader. */
export interface Cached<V> {
  get(key: string, options?: GetOptions): Promise<V>;
  /** The full Redis key of `key`'s entry (prefix included, the client's own keyPrefix not). */
  redisKey(key: string): string;
  stats(): CacheStats;
}

export interface CacheStats {
  /** get() calls. */
  gets: number;
  /** get() calls answered from a fresh entry without waiting or loading. */
  hits: number;
  /** Loader calls this instance made. */
  loads: number;
  /** Flights (one per key per process at a time) that waited for another holder's load (lockedCache only). */
  waits: number;
}

export interface CacheOptions {
  /** An ioredis client; give it a command timeout so a get fails instead of queueing forever. */
  redis: Redis;
  /** How long a loaded value stays fresh, in ms. */
  ttlMs: number;
  /** Put before every key (default "stampede:"). */
  keyPrefix?: string;
  /** Time as the cache sees it (default systemClock): expiry is judged by clock.now(). */
  clock?: Clock;
}

/** A stored value: v the value, d how long its load took (ms), e when it expires (epoch ms, by the clock). */
export interface Entry<V> {
  v: V;
  d: number;
  e: number;
}

/** Options checked once, shared by every wrapper (the naive one too). */
export interface Store<V> {
  readonly redis: Redis;
  readonly ttlMs: number;
  readonly clock: Clock;
  readonly loader: Loader<V>;
  redisKey(key: string): string;
  read(key: string): Promise<Entry<V> | null>;
  /** Runs the loader, timing it with the clock: the entry to store. */
  load(key: string, signal?: AbortSignal): Promise<Entry<V>>;
  write(key: string, entry: Entry<V>): Promise<void>;
  readonly stats: CacheStats;
}

const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');

function checkGet(key: unknown, options: unknown): AbortSignal | undefined {
  check.that(typeof key === 'string' && key.length > 0, 'key', 'must be a non-empty string', key);
  check.options('options', options);
  const signal = (options as GetOptions | undefined)?.signal;
  check.signal('options.signal', signal);
  signal?.throwIfAborted();
  return signal;
}

/** Checks the loader and the options every wrapper shares; `prefix` is the default keyPrefix. */
export function createStore<V>(loader: Loader<V>, options: CacheOptions): Store<V> {
  check.fn('loader', loader);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const { redis, ttlMs, keyPrefix = 'stampede:', clock = systemClock } = options;
  check.kind(hasMethods(redis, 'get', 'set', 'eval'), 'options.redis', 'must be an ioredis client', redis);
  check.positiveInt('options.ttlMs', ttlMs);
  check.that(typeof keyPrefix === 'string', 'options.keyPrefix', 'must be a string', keyPrefix);
  check.kind(hasMethods(clock, 'now', 'sleep', 'schedule'), 'options.clock', 'must be a Clock', clock);
  const stats: CacheStats = { gets: 0, hits: 0, loads: 0, waits: 0 };
  const redisKey = (key: string): string => keyPrefix + key;
  return {
    redis,
    ttlMs,
    clock,
    loader,
    stats,
    redisKey,
    async read(key) {
      const raw = await redisCall(`GET ${redisKey(key)}`, () => redis.get(redisKey(key)));
      return raw === null ? null : (JSON.parse(raw) as Entry<V>);
    },
    async load(key, signal) {
      stats.loads++;
      const started = clock.now();
      const v = await loader(key, signal);
      const now = clock.now();
      return { v, d: now - started, e: now + ttlMs };
    },
    async write(key, entry) {
      await redisCall(`SET ${redisKey(key)}`, () => redis.set(redisKey(key), JSON.stringify(entry), 'PX', ttlMs));
    },
  };
}

/** Fresh means: stored, and not expired by the cache's clock. */
export const isFresh = <V>(entry: Entry<V> | null, now: number): entry is Entry<V> => entry !== null && now < entry.e;

/** Wraps a ready Store in the public shape, checking get()'s arguments. */
export function cached<V>(store: Store<V>, get: (key: string, signal?: AbortSignal) => Promise<V>): Cached<V> {
  return {
    get: (key, options) => {
      store.stats.gets++;
      try {
        return get(key, checkGet(key, options));
      } catch (e) {
        return Promise.reject(e as Error);
      }
    },
    redisKey: store.redisKey,
    stats: () => ({ ...store.stats }),
  };
}

/**
 * In-process single flight: concurrent calls for one key share one call of `loader`; the next call
 * after it settles (value or error) loads again. A Loader in, a Loader out, so it wraps any cache's
 * loader. The first caller's signal is the one the shared load sees.
 */
export function singleFlight<V>(loader: Loader<V>): Loader<V> {
  check.fn('loader', loader);
  const inFlight = new Map<string, Promise<V>>();
  return (key, signal) => {
    const running = inFlight.get(key);
    if (running) return running;
    const started = Promise.resolve()
      .then(() => loader(key, signal))
      .finally(() => inFlight.delete(key));
    inFlight.set(key, started);
    return started;
  };
}

const script = (name: string): string => readFileSync(new URL(`./lua/${name}`, import.meta.url), 'utf8');
const FILL_AND_RELEASE = script('fill-and-release-2.lua');
const RELEASE = script('release-1.lua');

export interface LockedCacheOptions extends CacheOptions {
  /** How long a holder may load before its lock lapses and another caller may load (default 10 s). */
  lockTtlMs?: number;
  /** How often a waiting caller looks for the value (default 20 ms), by clock.sleep. */
  pollMs?: number;
  /** How long a caller waits for another's load before a StampedeTimeoutError (default lockTtlMs * 2). */
  waitMs?: number;
}

/**
 * A cache where one caller across every process loads an expired key: the caller that wins
 * SET lock NX PX loads and stores the value and releases the lock in one script; the rest wait for
 * the value (and take over if the lock lapses or is released with no value). Inside a process the
 * callers also share one flight, so one Redis round trip per process polls, not one per caller.
 */
export function lockedCache<V>(loader: Loader<V>, options: LockedCacheOptions): Cached<V> {
  const store = createStore(loader, options);
  const { lockTtlMs = 10_000, pollMs = 20 } = options;
  check.positiveInt('options.lockTtlMs', lockTtlMs);
  check.positiveInt('options.pollMs', pollMs);
  const { waitMs = lockTtlMs * 2 } = options;
  check.positiveInt('options.waitMs', waitMs);
  const { redis, clock } = store;
  const lockKey = (key: string): string => `${store.redisKey(key)}:lock`;

  async function fetchOrLoad(key: string, signal?: AbortSignal): Promise<V> {
    const deadline = clock.now() + waitMs;
    let waited = false;
    for (;;) {
      const entry = await store.read(key);
      if (isFresh(entry, clock.now())) return entry.v; // stored meanwhile by another holder
      const token = randomUUID();
      const won = await redisCall(`SET ${lockKey(key)} NX`, () =>
        redis.set(lockKey(key), token, 'PX', lockTtlMs, 'NX'),
      );
      if (won === 'OK') {
        let loaded: Entry<V>;
        try {
          // Checked again under the lock: a caller that read the stale entry just before another
          // holder stored the new one and released would otherwise load a second time.
          const stored = await store.read(key);
          if (isFresh(stored, clock.now())) {
            await redisCall(`releasing ${lockKey(key)}`, () => redis.eval(RELEASE, 1, lockKey(key), token));
            return stored.v;
          }
          loaded = await store.load(key, signal);
        } catch (e) {
          // A failed load is not cached: free the lock so a waiter can try at once.
          await redisCall(`releasing ${lockKey(key)}`, () => redis.eval(RELEASE, 1, lockKey(key), token));
          throw e;
        }
        await redisCall(`storing ${store.redisKey(key)}`, () =>
          redis.eval(
            FILL_AND_RELEASE,
            2,
            store.redisKey(key),
            lockKey(key),
            JSON.stringify(loaded),
            store.ttlMs,
            token,
          ),
        );
        return loaded.v;
      }
      if (!waited) store.stats.waits++;
      waited = true;
      if (clock.now() >= deadline)
        throw new StampedeTimeoutError(
          `waited ${waitMs} ms for another caller to load "${key}"; neither the value nor the lock came`,
        );
      await clock.sleep(pollMs, signal);
    }
  }

  // One flight per key in this process: its callers share one lock attempt and one poll loop.
  const flight = singleFlight(fetchOrLoad);
  return cached(store, async (key, signal) => {
    const entry = await store.read(key);
    if (isFresh(entry, clock.now())) {
      store.stats.hits++;
      return entry.v;
    }
    return flight(key, signal);
  });
}
