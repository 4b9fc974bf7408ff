// Cache-aside: the application asks Redis first; on a miss it runs the loader (the database query),
// stores the result with a TTL and returns it. Writers change the database first and then delete
// the key, so the next read loads the new value. Redis is an optimisation here, not the source of
// truth: when it fails on a read, the read goes to the database instead of failing the request.
import type { Redis } from 'ioredis';
import { CacheServiceError, CacheValueError, check } from './errors.ts';

/** Turns values into the strings Redis stores, and back. The default is JSON. */
export interface Serializer<T> {
  stringify(value: T): string;
  parse(raw: string): T;
}

/** Where a read's value came from. */
export type ReadOutcome =
  | 'hit' // Redis had it
  | 'miss' // Redis did not; the loader ran and the value was stored with the TTL
  | 'fallback'; // Redis failed; the loader ran and the value was returned without being stored

export interface CacheRead<T> {
  value: T;
  outcome: ReadOutcome;
}

/** A Redis problem the cache absorbed instead of failing the read. */
export interface FallbackEvent {
  /** get: Redis could not be read. parse: the stored string was unreadable. set: the value could not be stored. */
  operation: 'get' | 'parse' | 'set';
  /** The full Redis key, prefix included. */
  key: string;
  error: Error;
}

export interface CacheStats {
  hits: number;
  misses: number;
  /** Reads served by the loader because Redis failed on GET. */
  fallbacks: number;
  /** Every absorbed Redis problem (get, parse and set failures). */
  absorbedErrors: number;
}

export interface CacheAsideOptions<T> {
  /** An ioredis client. Give it a command timeout and bounded retries: a read waits for it before falling back. */
  redis: Redis;
  /** Time to live of every stored value, in ms: the upper bound on staleness when an invalidation is missed. */
  ttlMs: number;
  /** Put before every key (default "cache:"). */
  keyPrefix?: string;
  /** Default: JSON (Dates come back as strings, bigint cannot be stored). */
  serialize?: Serializer<T>;
  /** Called for every Redis problem a read absorbed: wire it to your logs and metrics. */
  onFallback?: (event: FallbackEvent) => void;
}

export interface CacheAside<T> {
  readonly ttlMs: number;
  readonly keyPrefix: string;
  /** The cached value for `key`, or the loader's (stored for ttlMs). Loader errors propagate; nothing is cached. */
  readThrough(key: string, loader: () => Promise<T> | T): Promise<T>;
  /** readThrough, also saying whether the value was a hit, a miss or a fallback. */
  read(key: string, loader: () => Promise<T> | T): Promise<CacheRead<T>>;
  /**
   * Deletes the key; call it after the database write has committed. Resolves true if a value was
   * cached. Throws CacheServiceError when Redis fails: the old value could be served until its TTL ends.
   */
  invalidate(key: string): Promise<boolean>;
  /** The full Redis key for `key` (prefix included). */
  redisKey(key: string): string;
  stats(): CacheStats;
}

const MAX_KEY_LENGTH = 1_024;

const json: Serializer<never> = {
  stringify: (value) => JSON.stringify(value),
  parse: (raw) => JSON.parse(raw) as never,
};

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));
const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** True for an object whose listed properties are all functions (a client, a serializer). */
const hasMethods = (v: unknown, ...names: string[]): boolean =>
  typeof v === 'object' && v !== null && names.every((n) => typeof (v as Record<string, unknown>)[n] === 'function');

function checkKey(key: unknown): asserts key is string {
  check.that(
    typeof key === 'string' && key.length > 0 && key.length <= MAX_KEY_LENGTH,
    'key',
    `must be a non-empty string of at most ${MAX_KEY_LENGTH} characters`,
    key,
  );
}

/** A cache-aside cache of values of type T in Redis. Opens nothing: it uses the client you pass. */
export function cacheAside<T>(options: CacheAsideOptions<T>): CacheAside<T> {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const { redis, ttlMs, keyPrefix = 'cache:', serialize = json as Serializer<T>, onFallback } = options;
  check.kind(
    hasMethods(redis, 'get', 'set', 'del'),
    'redis',
    'must be an ioredis client (with get, set and del)',
    redis,
  );
  check.positiveInt('ttlMs', ttlMs);
  check.that(
    typeof keyPrefix === 'string' && keyPrefix.length <= 256,
    'keyPrefix',
    'must be a string of at most 256 characters',
    keyPrefix,
  );
  check.kind(
    hasMethods(serialize, 'stringify', 'parse'),
    'serialize',
    'must be an object with stringify(value) and parse(raw) functions',
    serialize,
  );
  check.kind(
    onFallback === undefined || typeof onFallback === 'function',
    'onFallback',
    'must be a function',
    onFallback,
  );

  const stats: CacheStats = { hits: 0, misses: 0, fallbacks: 0, absorbedErrors: 0 };
  const absorbed = (operation: FallbackEvent['operation'], key: string, error: unknown): void => {
    stats.absorbedErrors++;
    onFallback?.({ operation, key, error: asError(error) });
  };
  const redisKey = (key: string): string => {
    checkKey(key);
    return keyPrefix + key;
  };

  // A value that cannot be stored is a bug in the loader or serializer: fail loudly, cache nothing.
  function encode(key: string, value: T): string {
    if (value === undefined) {
      throw new CacheValueError(
        `the loader for "${key}" returned undefined; return null to cache "not found", or throw`,
      );
    }
    let raw: unknown;
    try {
      raw = serialize.stringify(value);
    } catch (e) {
      throw new CacheValueError(`the value for "${key}" could not be serialized: ${errorMessage(e)}`, { cause: e });
    }
    if (typeof raw !== 'string')
      throw new CacheValueError(`serialize.stringify returned ${typeof raw} for "${key}", not a string`);
    return raw;
  }

  async function read(key: string, loader: () => Promise<T> | T): Promise<CacheRead<T>> {
    const full = redisKey(key);
    check.kind(
      typeof loader === 'function',
      'loader',
      'must be a function returning the value (or a promise of it)',
      loader,
    );

    let cached: string | null;
    try {
      cached = await redis.get(full);
    } catch (e) {
      // Redis down or slow: serve from the database rather than fail the request (and do not try to store).
      absorbed('get', full, e);
      stats.fallbacks++;
      const value = await loader();
      encode(full, value); // the same rule as a miss: undefined is a bug, not a value
      return { value, outcome: 'fallback' };
    }
    if (cached !== null) {
      try {
        const value = serialize.parse(cached);
        stats.hits++;
        return { value, outcome: 'hit' };
      } catch (e) {
        absorbed('parse', full, e); // e.g. an entry written by an older version: reload and overwrite it
      }
    }

    stats.misses++;
    const value = await loader(); // errors propagate: a failed load is never cached
    const raw = encode(full, value);
    try {
      await redis.set(full, raw, 'PX', ttlMs);
    } catch (e) {
      absorbed('set', full, e); // the value is correct; only the next read pays the database again
    }
    return { value, outcome: 'miss' };
  }

  return {
    ttlMs,
    keyPrefix,
    read,
    redisKey,
    async readThrough(key, loader) {
      return (await read(key, loader)).value;
    },
    async invalidate(key) {
      const full = redisKey(key);
      try {
        return (await redis.del(full)) > 0;
      } catch (e) {
        throw new CacheServiceError(
          `invalidating "${full}" failed: ${errorMessage(e).replace(/\.$/, '')}; the cached value may be served until its TTL (${ttlMs} ms) ends`,
          { cause: e },
        );
      }
    },
    stats: () => ({ ...stats }),
  };
}
