// A read-through cache whose entries expire after a TTL with jitter: each stored entry lives
// ttlMs × (1 ± jitter), drawn per write, so keys loaded together do not expire together and the
// database sees their reloads spread over a window instead of one spike. Expiry is decided by the
// injected Clock (the entry carries its deadline), so tests drive it exactly with a ManualClock;
// Redis also gets the same TTL (PX) so an expired entry frees its memory on the server.
import { systemClock, type Clock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { check, redisCall } from './errors.ts';

/** The shared shape of every caching POC: loads one key's value from the source of truth. */
export type Loader<V> = (key: string, signal?: AbortSignal) => Promise<V>;

export interface TtlCacheOptions {
  /** Names this cache: its Redis keys are `<name>:<key>`. */
  name: string;
  /** The mean lifetime of an entry, in ms. */
  ttlMs: number;
  /** Spread of each entry's TTL as a fraction of ttlMs, from 0 (fixed TTL) to 0.9: TTL = ttlMs × (1 ± jitter). */
  jitter: number;
  /** Time as the cache sees it (default systemClock); tests drive expiry with a ManualClock. */
  clock?: Clock;
  /** A source of uniform numbers in [0, 1) for the jitter (default Math.random); seed it for a replayable run. */
  random?: () => number;
}

export type ReadOutcome = 'hit' | 'miss';

export interface CacheStats {
  hits: number;
  misses: number;
}

export interface TtlCache<V> {
  readonly name: string;
  /** The cached value of `key`, or the loader's (stored for a jittered TTL). Loader errors propagate, nothing cached. */
  get(key: string, options?: { signal?: AbortSignal }): Promise<V>;
  /** get(), also saying whether it was a hit or a miss. */
  read(key: string, options?: { signal?: AbortSignal }): Promise<{ value: V; outcome: ReadOutcome }>;
  stats(): CacheStats;
}

/** What an entry holds in Redis: the value and the deadline (clock ms) after which it is a miss. */
interface Entry<V> {
  v: V;
  exp: number;
}

function parseEntry<V>(raw: string): Entry<V> | null {
  try {
    const entry = JSON.parse(raw) as Entry<V>;
    return typeof entry === 'object' && entry !== null && typeof entry.exp === 'number' ? entry : null;
  } catch {
    return null;
  }
}

/** One TTL for an entry: ttlMs × (1 + jitter × (2r − 1)), r uniform in [0, 1); at least 1 ms. */
export function jitteredTtl(ttlMs: number, jitter: number, r: number): number {
  return Math.max(1, Math.round(ttlMs * (1 + jitter * (2 * r - 1))));
}

const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');

/** Checks what every TTL cache takes; the fixed-TTL variant (src/naive.ts) goes through it too. */
export function checkOptions<V>(redis: Redis, loader: Loader<V>, options: TtlCacheOptions): Required<TtlCacheOptions> {
  check.kind(hasMethods(redis, 'get', 'set'), 'redis', 'must be an ioredis client', redis);
  check.fn('loader', loader);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.name('options.name', options.name);
  check.positiveInt('options.ttlMs', options.ttlMs);
  check.numberIn('options.jitter', options.jitter, 0, 0.9);
  const clock = options.clock ?? systemClock;
  check.kind(hasMethods(clock, 'now', 'sleep', 'schedule'), 'options.clock', 'must be a Clock', clock);
  const random = options.random ?? Math.random;
  check.fn('options.random', random);
  return { name: options.name, ttlMs: options.ttlMs, jitter: options.jitter, clock, random };
}

/** A read-through cache on Redis whose entries expire after ttlMs ± jitter (by the injected clock). */
export function ttlCache<V>(redis: Redis, loader: Loader<V>, options: TtlCacheOptions): TtlCache<V> {
  const o = checkOptions(redis, loader, options);
  const stats: CacheStats = { hits: 0, misses: 0 };

  async function read(key: string, opts?: { signal?: AbortSignal }) {
    check.that(typeof key === 'string' && key.length > 0, 'key', 'must be a non-empty string', key);
    check.options('options', opts);
    const signal = opts?.signal;
    check.signal('options.signal', signal);
    signal?.throwIfAborted();
    const redisKey = `${o.name}:${key}`;
    const raw = await redisCall(`reading "${redisKey}"`, () => redis.get(redisKey));
    // An entry that is not ours (unreadable, e.g. written by an older version) counts as a miss and is overwritten.
    const cached = raw === null ? null : parseEntry<V>(raw);
    if (cached !== null && o.clock.now() < cached.exp) {
      stats.hits++;
      return { value: cached.v, outcome: 'hit' as const };
    }
    stats.misses++;
    const value = await loader(key, signal);
    const ttl = jitteredTtl(o.ttlMs, o.jitter, o.random());
    const entry: Entry<V> = { v: value, exp: o.clock.now() + ttl };
    await redisCall(`storing "${redisKey}"`, () => redis.set(redisKey, JSON.stringify(entry), 'PX', ttl));
    return { value, outcome: 'miss' as const };
  }

  return {
    name: o.name,
    read,
    get: async (key, opts) => (await read(key, opts)).value,
    stats: () => ({ ...stats }),
  };
}

export interface LoadMeter<V> {
  /** The loader to give the cache: it counts each call in the bucket of clock.now(), then calls the real one. */
  readonly loader: Loader<V>;
  /** Loads per bucket, in time order: `at` is the bucket's start (clock ms). */
  buckets(): Array<{ at: number; loads: number }>;
  /** The most loads any one bucket saw: the spike the database feels. */
  peak(): number;
  total(): number;
}

/** Counts a loader's calls per time bucket of `bucketMs` on `clock`: the database's query rate over time. */
export function loadMeter<V>(loader: Loader<V>, options: { clock: Clock; bucketMs: number }): LoadMeter<V> {
  check.fn('loader', loader);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.kind(hasMethods(options.clock, 'now'), 'options.clock', 'must be a Clock', options.clock);
  check.positiveInt('options.bucketMs', options.bucketMs);
  const counts = new Map<number, number>();
  const { clock, bucketMs } = options;
  return {
    loader: (key, signal) => {
      const at = Math.floor(clock.now() / bucketMs) * bucketMs;
      counts.set(at, (counts.get(at) ?? 0) + 1);
      return loader(key, signal);
    },
    buckets: () => [...counts].sort((a, b) => a[0] - b[0]).map(([at, loads]) => ({ at, loads })),
    peak: () => Math.max(0, ...counts.values()),
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
  };
}
