// Invalidation that survives the classic race: a reader misses, reads the old row, the writer commits
// and deletes the key, then the reader stores the old value, which stays until its TTL ends. Two fixes,
// each a small wrapper around any Loader: versions (the row's version travels with the value and a Lua
// SET-if-newer refuses anything older than what the key holds, a writer's tombstone included) and leases
// (Facebook's memcache: a miss hands out a token, a delete voids it, a set without a valid token is refused).
import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { check, redisCall } from './errors.ts';
import { luaScript, runScript } from './scripts.ts';

/** The shared shape of the caching POCs: what a cache calls on a miss (a database query, an HTTP call). */
export type Loader<V> = (key: string, signal?: AbortSignal) => Promise<V>;

/** A value with the version of the row it came from (a version column, bumped by every write). */
export interface Versioned<V> {
  value: V;
  version: number;
}

export interface CacheOptions {
  /** An ioredis client; every key this cache writes starts with `name`. */
  redis: Redis;
  /** Names this cache: its keys are `<name>:<key>` (and `<name>:lease:<key>`). */
  name: string;
  /** Time to live of every stored value, in ms: the bound on staleness when an invalidation is lost. */
  ttlMs: number;
  /** Time as the cache sees it (default systemClock): the lease wait sleeps on it. */
  clock?: Clock;
}

export interface LeaseOptions extends CacheOptions {
  /** How long a lease lasts, in ms (default 2000): a reader that takes longer loses the right to set. */
  leaseMs?: number;
  /** How long a reader that found another reader's lease waits before asking again, in ms (default 5). */
  retryMs?: number;
  /** How many waits before a reader gives up waiting and loads without caching (default leaseMs / retryMs). */
  maxWaits?: number;
}

export interface CacheStats {
  /** Reads answered by Redis. */
  hits: number;
  /** Loader calls. */
  loads: number;
  /** Sets the cache refused because a write happened since the load: each one a stale value kept out. */
  refusedSets: number;
  /** Times a reader waited for another reader's lease (leases only). */
  leaseWaits: number;
}

export interface GetOptions {
  signal?: AbortSignal;
}

/** What every wrapper of this package offers. */
export interface InvalidatingCache<V> {
  readonly name: string;
  /** The cached value, or the loader's (stored if no write got in between). Loader errors propagate. */
  get(key: string, options?: GetOptions): Promise<V>;
  /** The Redis key a value is stored under. */
  redisKey(key: string): string;
  stats(): CacheStats;
}

export interface VersionedCache<V> extends InvalidatingCache<V> {
  /** Delete-after-write with versions: after the commit that produced `version`, leave a tombstone of it. */
  invalidate(key: string, version: number): Promise<void>;
  /** Update-after-write with versions: store the committed value; refused (false) if the key holds newer. */
  update(key: string, value: V, version: number): Promise<boolean>;
}

export interface LeasedCache<V> extends InvalidatingCache<V> {
  /** Delete-after-write with leases: deletes the value and voids any lease handed out for it. */
  invalidate(key: string): Promise<void>;
}

const setIfNewer = luaScript('set-if-newer-1.lua');
const leaseGet = luaScript('lease-get-2.lua');
const leaseSet = luaScript('lease-set-2.lua');
const leaseRelease = luaScript('lease-release-1.lua');

/** Versions: the loader returns the row with its version; a value older than the key's is never stored. */
export function versionedCache<V>(loader: Loader<Versioned<V>>, options: CacheOptions): VersionedCache<V> {
  const ctx = createContext(loader, options);
  const { redis, ttlMs, stats } = ctx;
  const store = async (key: string, data: string, version: number, tombstone: boolean): Promise<boolean> =>
    (await redisCall(`storing version ${version} of "${key}"`, () =>
      runScript(redis, setIfNewer, [ctx.redisKey(key)], [version, data, ttlMs, tombstone ? '1' : '0']),
    )) === 1;
  return {
    name: ctx.name,
    redisKey: ctx.redisKey,
    stats: () => ({ ...stats }),
    async get(key, options = {}) {
      const { signal } = ctx.checkGet(key, options);
      const [, data] = await redisCall(`reading "${key}"`, () => redis.hmget(ctx.redisKey(key), 'v', 'd'));
      if (data !== null && data !== undefined) {
        stats.hits++;
        return JSON.parse(data) as V;
      }
      stats.loads++;
      const loaded = await loader(key, signal);
      check.that(
        typeof loaded === 'object' && loaded !== null && Number.isSafeInteger(loaded.version),
        'loader result',
        'must be { value, version } with an integer version',
        loaded,
      );
      if (!(await store(key, ctx.encode(key, loaded.value), loaded.version, false))) stats.refusedSets++;
      return loaded.value;
    },
    async invalidate(key, version) {
      ctx.checkKey(key);
      check.that(Number.isSafeInteger(version), 'version', 'must be an integer', version);
      await store(key, '', version, true);
    },
    async update(key, value, version) {
      ctx.checkKey(key);
      check.that(Number.isSafeInteger(version), 'version', 'must be an integer', version);
      const stored = await store(key, ctx.encode(key, value), version, false);
      if (!stored) stats.refusedSets++;
      return stored;
    },
  };
}

/** Leases: only the reader holding the lease of a miss may set, and a delete voids the lease. */
export function leasedCache<V>(loader: Loader<V>, options: LeaseOptions): LeasedCache<V> {
  const ctx = createContext(loader, options);
  const { redis, ttlMs, stats, clock } = ctx;
  const leaseMs = options.leaseMs ?? 2_000;
  check.positiveInt('options.leaseMs', leaseMs);
  const retryMs = options.retryMs ?? 5;
  check.positiveInt('options.retryMs', retryMs);
  const maxWaits = options.maxWaits ?? Math.ceil(leaseMs / retryMs);
  check.nonNegativeInt('options.maxWaits', maxWaits);
  const leaseKey = (key: string): string => `${ctx.name}:lease:${key}`;

  return {
    name: ctx.name,
    redisKey: ctx.redisKey,
    stats: () => ({ ...stats }),
    async get(key, options = {}) {
      const { signal } = ctx.checkGet(key, options);
      const keys = [ctx.redisKey(key), leaseKey(key)];
      for (let waits = 0; ; waits++) {
        signal?.throwIfAborted();
        const [kind, payload] = (await redisCall(`reading "${key}"`, () =>
          runScript(redis, leaseGet, keys, [randomUUID(), leaseMs]),
        )) as [string, string];
        if (kind === 'hit') {
          stats.hits++;
          return JSON.parse(payload) as V;
        }
        if (kind === 'lease') {
          stats.loads++;
          let value: V;
          try {
            value = await loader(key, signal);
          } catch (e) {
            // Give the lease back so the waiting readers load now; a failed load is never cached.
            await runScript(redis, leaseRelease, [keys[1]!], [payload]).catch(() => undefined);
            throw e;
          }
          const stored = await redisCall(`storing "${key}"`, () =>
            runScript(redis, leaseSet, keys, [payload, ctx.encode(key, value), ttlMs]),
          );
          if (stored !== 1) stats.refusedSets++;
          return value;
        }
        if (waits >= maxWaits) {
          // The lease holder is slow or gone: serve from the loader, but do not store (no lease).
          stats.loads++;
          return loader(key, signal);
        }
        stats.leaseWaits++;
        await clock.sleep(retryMs, signal);
      }
    },
    async invalidate(key) {
      ctx.checkKey(key);
      await redisCall(`invalidating "${key}"`, () => redis.del(ctx.redisKey(key), leaseKey(key)));
    },
  };
}

/** What the wrappers (and the naive ones in ./naive.ts) work with, checked once. */
export interface Context {
  readonly redis: Redis;
  readonly name: string;
  readonly ttlMs: number;
  readonly clock: Clock;
  readonly stats: CacheStats;
  redisKey(key: string): string;
  checkKey(key: unknown): void;
  checkGet(key: unknown, options: unknown): GetOptions;
  encode(key: string, value: unknown): string;
}

const MAX_KEY_LENGTH = 1_024;

/** Checks the loader and the options; the naive wrappers (src/naive.ts) take the same, checked here too. */
export function createContext(loader: unknown, options: CacheOptions): Context {
  check.fn('loader', loader);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const { redis, name, ttlMs } = options;
  check.kind(hasMethods(redis, 'evalsha', 'get', 'del'), 'options.redis', 'must be an ioredis client', redis);
  check.name('options.name', name);
  check.positiveInt('options.ttlMs', ttlMs);
  const clock = options.clock ?? systemClock;
  check.kind(hasMethods(clock, 'now', 'sleep', 'schedule'), 'options.clock', 'must be a Clock', clock);
  function checkKey(key: unknown): asserts key is string {
    check.that(
      typeof key === 'string' && key.length > 0 && key.length <= MAX_KEY_LENGTH,
      'key',
      `must be a non-empty string of at most ${MAX_KEY_LENGTH} characters`,
      key,
    );
  }
  return {
    redis,
    name,
    ttlMs,
    clock,
    stats: { hits: 0, loads: 0, refusedSets: 0, leaseWaits: 0 },
    redisKey: (key) => `${name}:${key}`,
    checkKey,
    checkGet(key, getOptions) {
      checkKey(key);
      check.options('options', getOptions);
      const signal = (getOptions as GetOptions | undefined)?.signal;
      check.signal('options.signal', signal);
      return { signal };
    },
    encode(key, value) {
      check.that(
        value !== undefined,
        'value',
        `of "${key}" must not be undefined (return null for "not found")`,
        value,
      );
      return JSON.stringify(value);
    },
  };
}

/** A client or a clock is recognised by its methods, so a copy of its library in another package passes too. */
const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
