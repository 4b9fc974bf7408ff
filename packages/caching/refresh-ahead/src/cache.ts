// Refresh-ahead: a hit in the last `refreshAhead` fraction of its TTL answers from the cache at once and
// starts ONE background reload of the key (single flight, shared with misses), so a hot key is reloaded
// before it expires and no reader of it waits for the database. A background reload that fails leaves
// the cached value in place (it is served until it really expires) and is reported, never thrown.
// Expiry is judged by the kit's Clock (each entry carries it) and enforced by Redis (PX).
import { systemClock, type Clock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { singleFlight, type Loader } from 'poc-caching-stampede';
import { check, redisCall } from './errors.ts';

export type { Loader };

export type Outcome =
  | 'hit' // a fresh entry, outside the refresh window
  | 'hit-refreshing' // a fresh entry inside the window: answered from it, a background reload runs
  | 'loaded'; // no entry (or an expired one): the caller waited for the loader

export interface Read<V> {
  value: V;
  outcome: Outcome;
}

export interface GetOptions {
  signal?: AbortSignal;
}

export interface RefreshAheadStats {
  gets: number;
  /** Answered from the cache without waiting ('hit' and 'hit-refreshing'). */
  hits: number;
  /** Loads a caller waited for (misses). */
  loads: number;
  /** Background reloads started (at most one per key at a time). */
  refreshes: number;
  /** Background reloads that failed (loader or Redis): the old value stayed. */
  refreshErrors: number;
}

export interface RefreshErrorEvent {
  key: string;
  error: Error;
}

export interface CacheOptions {
  /** An ioredis client; give it a command timeout so a read fails instead of queueing forever. */
  redis: Redis;
  /** How long a loaded value is served, ms. */
  ttlMs: number;
  /** Put before every key (default "ra:"). */
  keyPrefix?: string;
  /** Time as the cache sees it (default systemClock): freshness is judged by clock.now(). */
  clock?: Clock;
}

export interface RefreshAheadOptions extends CacheOptions {
  /** The last fraction of the TTL in which a hit starts a background reload, in (0, 1) (default 0.25). */
  refreshAhead?: number;
  /** Called when a background reload fails: wire it to logs and metrics (the old value is still served). */
  onRefreshError?: (event: RefreshErrorEvent) => void;
}

export interface Cache<V> {
  /** The value of `key`, from the cache or (on a miss) the loader. A foreground loader error propagates. */
  get(key: string, options?: GetOptions): Promise<V>;
  /** get(), also saying whether the caller waited for a load. */
  read(key: string, options?: GetOptions): Promise<Read<V>>;
  /** Resolves when every background reload started so far has finished (tests, graceful shutdown). */
  settled(): Promise<void>;
  /** The full Redis key of `key` (prefix included, the client's own keyPrefix not). */
  redisKey(key: string): string;
  stats(): RefreshAheadStats;
}

/** A stored entry: v the value, e its expiry in epoch ms by the cache's clock. */
interface Entry<V> {
  v: V;
  e: number;
}

const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

/** What both caches (this one and the plain TTL one in ./naive.ts) share: checked options, GET, load + SET. */
export interface Store<V> {
  readonly clock: Clock;
  readonly ttlMs: number;
  readonly stats: RefreshAheadStats;
  redisKey(key: string): string;
  /** The stored entry, or null. */
  read(key: string): Promise<Entry<V> | null>;
  /** Loads `key` and stores it for ttlMs; one flight per key in this process. */
  reload: Loader<V>;
  /** Checks get()'s arguments; returns the signal. */
  checkGet(key: unknown, options: unknown): AbortSignal | undefined;
}

export function createStore<V>(loader: Loader<V>, options: CacheOptions): Store<V> {
  check.fn('loader', loader);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const { redis, ttlMs, keyPrefix = 'ra:', clock = systemClock } = options;
  check.kind(hasMethods(redis, 'get', 'set'), 'options.redis', 'must be an ioredis client', redis);
  check.positiveInt('options.ttlMs', ttlMs);
  check.that(typeof keyPrefix === 'string', 'options.keyPrefix', 'must be a string', keyPrefix);
  check.kind(hasMethods(clock, 'now', 'sleep', 'schedule'), 'options.clock', 'must be a Clock', clock);
  const redisKey = (key: string): string => keyPrefix + key;
  return {
    clock,
    ttlMs,
    stats: { gets: 0, hits: 0, loads: 0, refreshes: 0, refreshErrors: 0 },
    redisKey,
    async read(key) {
      const raw = await redisCall(`GET ${redisKey(key)}`, () => redis.get(redisKey(key)));
      return raw === null ? null : (JSON.parse(raw) as Entry<V>);
    },
    reload: singleFlight(async (key, signal) => {
      const v = await loader(key, signal);
      const entry: Entry<V> = { v, e: clock.now() + ttlMs };
      await redisCall(`SET ${redisKey(key)}`, () => redis.set(redisKey(key), JSON.stringify(entry), 'PX', ttlMs));
      return v;
    }),
    checkGet(key, options) {
      check.that(typeof key === 'string' && key.length > 0, 'key', 'must be a non-empty string', key);
      check.options('options', options);
      const signal = (options as GetOptions | undefined)?.signal;
      check.signal('options.signal', signal);
      signal?.throwIfAborted();
      return signal;
    },
  };
}

/** A Redis cache of `loader` that reloads hot keys before they expire. Opens nothing: it uses your client. */
export function refreshAhead<V>(loader: Loader<V>, options: RefreshAheadOptions): Cache<V> {
  const store = createStore(loader, options);
  const { refreshAhead: fraction = 0.25, onRefreshError } = options;
  check.that(
    typeof fraction === 'number' && fraction > 0 && fraction < 1,
    'options.refreshAhead',
    'must be a number between 0 and 1 (exclusive)',
    fraction,
  );
  check.kind(
    onRefreshError === undefined || typeof onRefreshError === 'function',
    'options.onRefreshError',
    'must be a function',
    onRefreshError,
  );
  const windowMs = fraction * store.ttlMs;
  const { stats, clock } = store;
  const background = new Map<string, Promise<void>>();

  /** Starts a background reload of `key` unless one is running; its failure is reported, not thrown. */
  function refreshInBackground(key: string): void {
    if (background.has(key)) return;
    stats.refreshes++;
    const running = store
      .reload(key) // no caller's signal: one reader giving up must not cancel everyone's reload
      .then(
        () => undefined,
        (e: unknown) => {
          stats.refreshErrors++;
          onRefreshError?.({ key: store.redisKey(key), error: asError(e) });
        },
      )
      .finally(() => background.delete(key));
    background.set(key, running);
  }

  async function read(key: string, options?: GetOptions): Promise<Read<V>> {
    stats.gets++;
    const signal = store.checkGet(key, options);
    const entry = await store.read(key);
    const now = clock.now();
    if (entry !== null && now < entry.e) {
      stats.hits++;
      if (now < entry.e - windowMs) return { value: entry.v, outcome: 'hit' };
      refreshInBackground(key);
      return { value: entry.v, outcome: 'hit-refreshing' };
    }
    stats.loads++;
    return { value: await store.reload(key, signal), outcome: 'loaded' };
  }

  return {
    read,
    async get(key, options) {
      return (await read(key, options)).value;
    },
    async settled() {
      while (background.size > 0) await Promise.all(background.values());
    },
    redisKey: store.redisKey,
    stats: () => ({ ...stats }),
  };
}
