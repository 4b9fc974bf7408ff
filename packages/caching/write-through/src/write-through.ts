// Write-through: one set(key, value) writes PostgreSQL (the source of truth) and the cache. The cache is
// written inside the database transaction, after the row is written and before COMMIT: the row lock
// orders concurrent writers of a key, so the cache ends with the value that committed last. When the
// cache write fails, the strategy decides: 'compensate' rolls the database write back (the caller gets
// an error, nothing changed), 'invalidate' commits and deletes the key (or, if Redis is unreachable,
// reports how long the old entry can still be served: at most its TTL). Reads fill a missing key with a
// compare-and-set, so a reader that loaded before a write cannot overwrite the written value.
import { systemClock, type Clock } from '@poc/kit';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { WriteThroughCacheError, check, postgresCall, redisCall } from './errors.ts';
import { luaScript, runScript } from './scripts.ts';

/** The shared shape of every caching POC: loads the value of `key`; null means "there is none". */
export type Loader<V> = (key: string, signal?: AbortSignal) => Promise<V | null>;
/** Writes `value` of `key` with `db`, a client inside the write's transaction (lock the row you change). */
export type Writer<V> = (db: pg.ClientBase, key: string, value: V, signal?: AbortSignal) => Promise<void>;

/** What to do when the database write worked and the cache write did not. */
export type OnCacheFailure = 'compensate' | 'invalidate';

/** What set() did to the cache (the database write has committed in every case). */
export type WriteOutcome =
  | { cache: 'written' } // the cache holds the new value
  | { cache: 'invalidated' } // the SET failed, the DEL worked: the next read loads the new value
  | { cache: 'stale'; staleUntil: number }; // neither worked: the old entry may be served until staleUntil

export interface CacheErrorEvent {
  operation: 'set' | 'del' | 'fill';
  key: string;
  error: Error;
}

export interface WriteThroughStats {
  writes: number;
  hits: number;
  /** Reads the loader answered. */
  misses: number;
  /** Cache writes that failed (set() then compensated or invalidated). */
  cacheFailures: number;
}

export interface WriteThroughOptions<V> {
  /** An ioredis client; give it a command timeout (and no offline queue) so a cut fails fast. */
  redis: Redis;
  /** The PostgreSQL pool the writes' transactions run on. */
  pool: pg.Pool;
  write: Writer<V>;
  load: Loader<V>;
  /** How long an entry is served, ms: the bound on staleness when the cache cannot be cleared. */
  ttlMs: number;
  onCacheFailure: OnCacheFailure;
  /** Put before every key (default "wt:"). */
  keyPrefix?: string;
  /** Time as the cache sees it (default systemClock): entries carry their expiry by this clock. */
  clock?: Clock;
  /** Called for every cache failure a call absorbed: wire it to logs and metrics. */
  onCacheError?: (event: CacheErrorEvent) => void;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface WriteThrough<V> {
  /** Writes the database and the cache; see WriteOutcome, and WriteThroughCacheError for 'compensate'. */
  set(key: string, value: V, options?: CallOptions): Promise<WriteOutcome>;
  /** The value of `key` from the cache, or the loader (then stored unless a write got there first). */
  get(key: string, options?: CallOptions): Promise<V | null>;
  /** get(), also saying whether it was a hit. */
  read(key: string, options?: CallOptions): Promise<{ value: V | null; outcome: 'hit' | 'miss' }>;
  redisKey(key: string): string;
  stats(): WriteThroughStats;
}

/** A stored entry: v the value, e its expiry in epoch ms by the cache's clock. */
interface Entry<V> {
  v: V | null;
  e: number;
}

const FILL = luaScript('fill-1.lua');
const STRATEGIES: readonly OnCacheFailure[] = ['compensate', 'invalidate'];

const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

function checkCall(key: unknown, options: unknown): AbortSignal | undefined {
  check.that(typeof key === 'string' && key.length > 0, 'key', 'must be a non-empty string', key);
  check.options('options', options);
  const signal = (options as CallOptions | undefined)?.signal;
  check.signal('options.signal', signal);
  signal?.throwIfAborted();
  return signal;
}

/** Checked options, and the read path both versions share (the naive one in ./naive.ts too). */
export interface Context<V> extends Required<Omit<WriteThroughOptions<V>, 'onCacheError'>> {
  readonly stats: WriteThroughStats;
  redisKey(key: string): string;
  entry(value: V | null): string;
  absorbed(operation: CacheErrorEvent['operation'], key: string, error: unknown): void;
  checkCall: typeof checkCall;
  read(key: string, options?: CallOptions): Promise<{ value: V | null; outcome: 'hit' | 'miss' }>;
}

export function createContext<V>(options: WriteThroughOptions<V>): Context<V> {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const { redis, pool, write, load, ttlMs, onCacheFailure, keyPrefix = 'wt:', clock = systemClock } = options;
  const { onCacheError } = options;
  check.kind(
    hasMethods(redis, 'get', 'set', 'del', 'evalsha', 'eval'),
    'options.redis',
    'must be an ioredis client',
    redis,
  );
  check.kind(hasMethods(pool, 'query', 'connect'), 'options.pool', 'must be a pg.Pool', pool);
  check.fn('options.write', write);
  check.fn('options.load', load);
  check.positiveInt('options.ttlMs', ttlMs);
  check.oneOf('options.onCacheFailure', onCacheFailure, STRATEGIES);
  check.that(typeof keyPrefix === 'string', 'options.keyPrefix', 'must be a string', keyPrefix);
  check.kind(hasMethods(clock, 'now', 'sleep', 'schedule'), 'options.clock', 'must be a Clock', clock);
  check.kind(
    onCacheError === undefined || typeof onCacheError === 'function',
    'options.onCacheError',
    'must be a function',
    onCacheError,
  );
  const stats: WriteThroughStats = { writes: 0, hits: 0, misses: 0, cacheFailures: 0 };
  const redisKey = (key: string): string => keyPrefix + key;
  const entry = (value: V | null): string => JSON.stringify({ v: value, e: clock.now() + ttlMs } satisfies Entry<V>);
  const absorbed = (operation: CacheErrorEvent['operation'], key: string, error: unknown): void =>
    onCacheError?.({ operation, key: redisKey(key), error: asError(error) });

  async function read(key: string, options?: CallOptions): Promise<{ value: V | null; outcome: 'hit' | 'miss' }> {
    const signal = checkCall(key, options);
    const raw = await redisCall(`GET ${redisKey(key)}`, () => redis.get(redisKey(key)));
    if (raw !== null) {
      const stored = JSON.parse(raw) as Entry<V>;
      if (clock.now() < stored.e) {
        stats.hits++;
        return { value: stored.v, outcome: 'hit' };
      }
    }
    stats.misses++;
    const value = await load(key, signal);
    try {
      // Stored only if the key is as this read saw it: a write since then holds a newer value.
      await runScript(redis, FILL, [redisKey(key)], [raw ?? '', entry(value), ttlMs]);
    } catch (e) {
      absorbed('fill', key, e); // the value is right; only the next read pays the loader again
    }
    return { value, outcome: 'miss' };
  }

  return {
    redis,
    pool,
    write,
    load,
    ttlMs,
    onCacheFailure,
    keyPrefix,
    clock,
    stats,
    redisKey,
    entry,
    absorbed,
    checkCall,
    read,
  };
}

/** Runs `body` in a transaction on its own client: COMMIT when it returns, ROLLBACK when it throws. */
async function inTransaction<T>(pool: pg.Pool, body: (db: pg.PoolClient) => Promise<T>): Promise<T> {
  const db = await postgresCall('connecting to PostgreSQL', () => pool.connect());
  let broken: Error | undefined; // a connection that failed BEGIN, COMMIT or ROLLBACK is discarded, not reused
  const statement = async (sql: string): Promise<void> => {
    try {
      await postgresCall(sql, () => db.query(sql));
    } catch (e) {
      broken = asError(e);
      throw e;
    }
  };
  try {
    await statement('BEGIN');
    let result: T;
    try {
      result = await body(db);
    } catch (e) {
      await statement('ROLLBACK').catch(() => undefined); // the body's error is the one to report
      throw e;
    }
    await statement('COMMIT');
    return result;
  } finally {
    db.release(broken);
  }
}

/** A write-through cache in front of PostgreSQL. Opens nothing: it uses the clients you pass. */
export function writeThrough<V>(options: WriteThroughOptions<V>): WriteThrough<V> {
  const ctx = createContext(options);
  const { redis, stats, redisKey, clock, ttlMs } = ctx;

  /** Deletes the key after a failed SET; the moment until which the old entry may live when it cannot. */
  async function clear(key: string): Promise<number | undefined> {
    try {
      await redis.del(redisKey(key));
      return undefined;
    } catch (e) {
      ctx.absorbed('del', key, e);
      return clock.now() + ttlMs; // any entry was written at most ttlMs ago, with a TTL of ttlMs
    }
  }

  async function set(key: string, value: V, options?: CallOptions): Promise<WriteOutcome> {
    const signal = ctx.checkCall(key, options);
    check.that(value !== undefined, 'value', 'must not be undefined (null stores "there is none")', value);
    stats.writes++;
    let cacheError: unknown; // the SET's failure, if it failed
    let cacheWritten = false;
    try {
      await inTransaction(ctx.pool, async (db) => {
        await ctx.write(db, key, value, signal); // the row is written and locked until COMMIT
        try {
          await redis.set(redisKey(key), ctx.entry(value), 'PX', ttlMs);
          cacheWritten = true;
        } catch (e) {
          stats.cacheFailures++;
          ctx.absorbed('set', key, e);
          cacheError = e;
          if (ctx.onCacheFailure === 'compensate') throw e; // rolls the database write back
        }
      });
    } catch (e) {
      // Nothing committed. The cache may hold the value anyway (the SET worked and COMMIT failed, or the
      // SET landed and only its reply was lost): clear it, and say for how long it may linger if we cannot.
      if (cacheWritten || cacheError !== undefined) {
        const staleUntil = await clear(key);
        if (e === cacheError)
          throw new WriteThroughCacheError(
            `the cache write of ${redisKey(key)} failed (${asError(e).message}), so the database write was rolled back`,
            staleUntil,
            { cause: e },
          );
      }
      throw e;
    }
    if (cacheError === undefined) return { cache: 'written' };
    const staleUntil = await clear(key); // 'invalidate': committed, the old entry must go
    return staleUntil === undefined ? { cache: 'invalidated' } : { cache: 'stale', staleUntil };
  }

  return {
    set,
    get: async (key, options) => (await ctx.read(key, options)).value,
    read: ctx.read,
    redisKey,
    stats: () => ({ ...stats }),
  };
}
