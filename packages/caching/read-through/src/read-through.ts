// Read-through: the cache owns the loader. Callers ask get(key) and never see the database; on a miss
// the cache runs the loader and stores what it returns: a row for ttlMs, "no such row" (null) for the
// shorter negativeTtlMs, so repeated misses stop reaching the database; a loader error for no time at
// all. Expiry is judged by the kit's Clock (the stored entry carries its expiry) and enforced by Redis
// (PX, the server's clock). If Redis fails, get() degrades to the loader and says so.
import { systemClock, type Clock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { ReadThroughValueError, check, redisCall } from './errors.ts';

/** The shared shape of every caching POC: loads the value of `key`; null means "there is none". */
export type Loader<V> = (key: string, signal?: AbortSignal) => Promise<V | null>;

export type Outcome =
  | 'hit' // a fresh stored value
  | 'negative-hit' // a fresh stored "none": the database was not asked
  | 'loaded' // miss: the loader ran, the value is stored for ttlMs
  | 'loaded-none' // miss: the loader returned null, stored for negativeTtlMs
  | 'fallback'; // Redis failed: the loader ran, nothing stored

export interface Read<V> {
  value: V | null;
  outcome: Outcome;
}

export interface FallbackEvent {
  /** get: Redis could not be read (the loader answered). set: the loaded value could not be stored. */
  operation: 'get' | 'set';
  key: string;
  error: Error;
}

export interface ReadThroughStats {
  hits: number;
  negativeHits: number;
  /** Loader calls (misses, and reads while Redis failed). */
  loads: number;
  fallbacks: number;
}

export interface ReadThroughOptions {
  /** An ioredis client. Give it a commandTimeout (and no offline queue) so a failing Redis degrades fast. */
  redis: Redis;
  /** How long a found value is served, ms. */
  ttlMs: number;
  /** How long "no such row" is served, ms (default: ttlMs / 10, at least 1; at most ttlMs). */
  negativeTtlMs?: number;
  /** Put before every key (default "rt:"). */
  keyPrefix?: string;
  /** Time as the cache sees it (default systemClock). */
  clock?: Clock;
  /** Called for every Redis failure a read absorbed: wire it to logs and metrics. */
  onFallback?: (event: FallbackEvent) => void;
}

export interface GetOptions {
  signal?: AbortSignal;
}

export interface ReadThrough<V> {
  /** The value of `key` (null: there is none), from the cache or the loader. Loader errors propagate. */
  get(key: string, options?: GetOptions): Promise<V | null>;
  /** get(), also saying where the value came from. */
  read(key: string, options?: GetOptions): Promise<Read<V>>;
  /** Deletes the entry (call it after the row changed). Throws ReadThroughServiceError when Redis fails. */
  invalidate(key: string): Promise<boolean>;
  redisKey(key: string): string;
  stats(): ReadThroughStats;
}

/** A stored entry: v the value (null: none), e its expiry in epoch ms by the cache's clock. */
interface Entry<V> {
  v: V | null;
  e: number;
}

const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

/** A read-through cache of `loader` on Redis. Opens nothing: it uses the client you pass. */
export function readThrough<V>(loader: Loader<V>, options: ReadThroughOptions): ReadThrough<V> {
  check.fn('loader', loader);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const { redis, ttlMs, keyPrefix = 'rt:', clock = systemClock, onFallback } = options;
  check.kind(hasMethods(redis, 'get', 'set', 'del'), 'options.redis', 'must be an ioredis client', redis);
  check.positiveInt('options.ttlMs', ttlMs);
  const { negativeTtlMs = Math.max(1, Math.floor(ttlMs / 10)) } = options;
  check.intIn('options.negativeTtlMs', negativeTtlMs, 1, ttlMs);
  check.that(typeof keyPrefix === 'string', 'options.keyPrefix', 'must be a string', keyPrefix);
  check.kind(hasMethods(clock, 'now', 'sleep', 'schedule'), 'options.clock', 'must be a Clock', clock);
  check.kind(
    onFallback === undefined || typeof onFallback === 'function',
    'options.onFallback',
    'must be a function',
    onFallback,
  );

  const stats: ReadThroughStats = { hits: 0, negativeHits: 0, loads: 0, fallbacks: 0 };
  const redisKey = (key: string): string => keyPrefix + key;
  const absorbed = (operation: FallbackEvent['operation'], key: string, error: unknown): void =>
    onFallback?.({ operation, key: redisKey(key), error: asError(error) });

  async function load(key: string, signal?: AbortSignal): Promise<V | null> {
    stats.loads++;
    const value = await loader(key, signal); // an error propagates and nothing is stored
    if (value === undefined)
      throw new ReadThroughValueError(`the loader returned undefined for "${key}"; return null for "there is none"`);
    return value;
  }

  async function read(key: string, options?: GetOptions): Promise<Read<V>> {
    check.that(typeof key === 'string' && key.length > 0, 'key', 'must be a non-empty string', key);
    check.options('options', options);
    const signal = options?.signal;
    check.signal('options.signal', signal);
    signal?.throwIfAborted();

    let raw: string | null;
    try {
      raw = await redis.get(redisKey(key));
    } catch (e) {
      absorbed('get', key, e);
      stats.fallbacks++;
      return { value: await load(key, signal), outcome: 'fallback' };
    }
    if (raw !== null) {
      const entry = JSON.parse(raw) as Entry<V>;
      if (clock.now() < entry.e) {
        if (entry.v === null) stats.negativeHits++;
        else stats.hits++;
        return { value: entry.v, outcome: entry.v === null ? 'negative-hit' : 'hit' };
      }
    }
    const value = await load(key, signal);
    const ttl = value === null ? negativeTtlMs : ttlMs;
    const entry: Entry<V> = { v: value, e: clock.now() + ttl };
    try {
      await redis.set(redisKey(key), JSON.stringify(entry), 'PX', ttl);
    } catch (e) {
      absorbed('set', key, e); // the value is right; only the next read pays the loader again
    }
    return { value, outcome: value === null ? 'loaded-none' : 'loaded' };
  }

  return {
    read,
    async get(key, options) {
      return (await read(key, options)).value;
    },
    async invalidate(key) {
      check.that(typeof key === 'string' && key.length > 0, 'key', 'must be a non-empty string', key);
      return (await redisCall(`invalidating ${redisKey(key)}`, () => redis.del(redisKey(key)))) > 0;
    },
    redisKey,
    stats: () => ({ ...stats }),
  };
}
