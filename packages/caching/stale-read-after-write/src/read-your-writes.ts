// Read-your-writes over a shared cache: a write commits to the database, then the cache on the primary
// is invalidated (or left to its TTL), but the session that wrote may read back through a cache that
// still holds the old value, or through a replica that has not yet received the invalidation. Each
// strategy (./strategies.ts) decides, from what the session remembers of its own writes, whether a
// cached answer may be served, or the session's own value, or the database.
import { systemClock, type Clock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { check, redisCall } from './errors.ts';
import type { Consistency, Mark } from './strategies.ts';

/** The shared shape of the caching POCs: what a cache calls on a miss (a database query, an HTTP call). */
export type Loader<V> = (key: string, signal?: AbortSignal) => Promise<V>;

/** A value with the version of the row it came from (a version column, bumped by every write). */
export interface Versioned<V> {
  value: V;
  version: number;
}

/** Where an answer came from: the cache (via the reader), the database, or the session's own write. */
export type Source = 'cache' | 'database' | 'session';

export interface Read<V> extends Versioned<V> {
  source: Source;
}

export interface GetOptions {
  signal?: AbortSignal;
}

export interface ReadYourWritesOptions {
  /** The Redis primary: fills, invalidations and write-through go here. */
  primary: Redis;
  /** Where reads go (a replica of the primary); default the primary itself. */
  reader?: Redis;
  /** Names this cache: its keys are `<name>:<key>`. */
  name: string;
  /** Time to live of every cached value, in ms; also how long a session remembers its writes. */
  ttlMs: number;
  /** What a write does to the shared cache: 'delete' the key on the primary (default), or 'ttl': nothing. */
  invalidation?: 'delete' | 'ttl';
  /** How the writer's session gets its own writes back: writeThrough(), versionTokens(), bypassAfterWrite(). */
  consistency: Consistency;
  /** Time as the sessions see it (default systemClock): marks expire and bypass windows end on it. */
  clock?: Clock;
}

export interface CacheStats {
  /** Reads answered by the cache (through the reader). */
  hits: number;
  /** Loader calls (misses, refused answers, bypassed reads). */
  loads: number;
  /** Cached answers refused because they were older than the session's own write. */
  refused: number;
  /** Reads sent to the database without asking the cache (bypass after write). */
  bypassed: number;
  /** Reads answered with the session's own written value (write-through for the session). */
  ownWrites: number;
}

/** One user's session: it remembers its own writes (key → version, value, time) for `ttlMs`. */
export interface Session<V> {
  /** Tell the cache about a committed write (after the database commit, with the version it returned). */
  wrote(key: string, written: Versioned<V>, options?: GetOptions): Promise<void>;
  /** A read with where it came from. */
  read(key: string, options?: GetOptions): Promise<Read<V>>;
  /** The value alone: the shared Loader-wrapper shape. */
  get(key: string, options?: GetOptions): Promise<V>;
  /** The versions this session wrote, per key: a token to carry to another process (a cookie). */
  tokens(): Record<string, number>;
}

export interface ReadYourWritesCache<V> {
  readonly name: string;
  readonly consistency: Consistency;
  /** A new session, optionally carrying tokens from another process (`session.tokens()`). */
  session(tokens?: Record<string, number>): Session<V>;
  /** A read by nobody in particular (no session): the plain cache-aside path. */
  get(key: string, options?: GetOptions): Promise<V>;
  redisKey(key: string): string;
  stats(): CacheStats;
}

const MAX_KEY_LENGTH = 1_024;

/** A cache-aside cache on `primary`, read through `reader`, giving sessions their writes back per `consistency`. */
export function readYourWritesCache<V>(
  loader: Loader<Versioned<V>>,
  options: ReadYourWritesOptions,
): ReadYourWritesCache<V> {
  check.fn('loader', loader);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const { primary, name, ttlMs } = options;
  check.kind(hasMethods(primary, 'get', 'set', 'del'), 'options.primary', 'must be an ioredis client', primary);
  const reader = options.reader ?? primary;
  check.kind(hasMethods(reader, 'get'), 'options.reader', 'must be an ioredis client', reader);
  check.name('options.name', name);
  check.positiveInt('options.ttlMs', ttlMs);
  const invalidation = options.invalidation ?? 'delete';
  check.oneOf('options.invalidation', invalidation, ['delete', 'ttl'] as const);
  const { consistency } = options;
  check.kind(
    typeof consistency === 'object' && consistency !== null && typeof consistency.route === 'function',
    'options.consistency',
    'must be a strategy: writeThrough(), versionTokens() or bypassAfterWrite()',
    consistency,
  );
  const clock = options.clock ?? systemClock;
  check.kind(hasMethods(clock, 'now', 'sleep', 'schedule'), 'options.clock', 'must be a Clock', clock);

  const stats: CacheStats = { hits: 0, loads: 0, refused: 0, bypassed: 0, ownWrites: 0 };
  const redisKey = (key: string): string => `${name}:${key}`;
  const checkKey = (key: unknown): void =>
    check.that(
      typeof key === 'string' && key.length > 0 && key.length <= MAX_KEY_LENGTH,
      'key',
      `must be a non-empty string of at most ${MAX_KEY_LENGTH} characters`,
      key,
    );
  const checkGet = (key: unknown, getOptions: unknown): AbortSignal | undefined => {
    checkKey(key);
    check.options('options', getOptions);
    const signal = (getOptions as GetOptions | undefined)?.signal;
    check.signal('options.signal', signal);
    return signal;
  };
  const store = (key: string, entry: Versioned<V>): Promise<unknown> =>
    redisCall(`caching version ${entry.version} of "${key}" on the primary`, () =>
      primary.set(redisKey(key), JSON.stringify({ v: entry.version, d: entry.value }), 'PX', ttlMs),
    );
  const load = async (key: string, signal: AbortSignal | undefined, fill: boolean): Promise<Read<V>> => {
    stats.loads++;
    const loaded = await loader(key, signal);
    check.that(
      typeof loaded === 'object' && loaded !== null && Number.isSafeInteger(loaded.version),
      'loader result',
      'must be { value, version } with an integer version',
      loaded,
    );
    if (fill) await store(key, loaded);
    return { value: loaded.value, version: loaded.version, source: 'database' };
  };
  /** The cached answer through the reader, or undefined on a miss. */
  const cached = async (key: string): Promise<Versioned<V> | undefined> => {
    const raw = await redisCall(`reading "${key}" through the reader`, () => reader.get(redisKey(key)));
    if (raw === null) return undefined;
    const { v, d } = JSON.parse(raw) as { v: number; d: V };
    return { value: d, version: v };
  };

  async function read(key: string, mark: Mark<V> | undefined, signal?: AbortSignal): Promise<Read<V>> {
    if (consistency.route(mark, clock.now()) === 'database') {
      stats.bypassed++;
      return load(key, signal, false);
    }
    const answer = await cached(key);
    if (answer === undefined) return load(key, signal, true);
    const verdict = consistency.accept(answer, mark);
    if (verdict === 'use') {
      stats.hits++;
      return { ...answer, source: 'cache' };
    }
    if (verdict === 'own' && mark?.value !== undefined) {
      stats.ownWrites++;
      return { value: mark.value, version: mark.version, source: 'session' };
    }
    stats.refused++;
    return load(key, signal, false); // the cache is behind: its fill is the primary's business, not ours
  }

  function session(tokens: Record<string, number> = {}): Session<V> {
    check.kind(typeof tokens === 'object' && tokens !== null, 'tokens', 'must be an object', tokens);
    const marks = new Map<string, Mark<V>>();
    for (const [key, version] of Object.entries(tokens)) {
      check.that(Number.isSafeInteger(version), `tokens["${key}"]`, 'must be an integer version', version);
      marks.set(key, { version, at: clock.now() });
    }
    /** The session's mark of `key`, forgotten once the cache's TTL has passed since the write. */
    const markOf = (key: string): Mark<V> | undefined => {
      const mark = marks.get(key);
      if (mark && clock.now() - mark.at >= ttlMs) marks.delete(key);
      return marks.get(key);
    };
    return {
      async wrote(key, written, writeOptions = {}) {
        checkGet(key, writeOptions);
        check.that(
          typeof written === 'object' && written !== null && Number.isSafeInteger(written.version),
          'written',
          'must be { value, version } with an integer version',
          written,
        );
        // Remembered before the cache is touched: if the invalidation fails, this session still reads its write.
        const previous = marks.get(key);
        if (!previous || previous.version <= written.version)
          marks.set(key, { version: written.version, value: written.value, at: clock.now() });
        if (consistency.onWrite === 'set') await store(key, written);
        else if (invalidation === 'delete')
          await redisCall(`invalidating "${key}" on the primary`, () => primary.del(redisKey(key)));
      },
      read: (key, readOptions = {}) => read(key, markOf(key), checkGet(key, readOptions)),
      async get(key, readOptions = {}) {
        return (await read(key, markOf(key), checkGet(key, readOptions))).value;
      },
      tokens: () => Object.fromEntries([...marks].map(([key, mark]) => [key, mark.version])),
    };
  }

  return {
    name,
    consistency,
    session,
    async get(key, getOptions = {}) {
      return (await read(key, undefined, checkGet(key, getOptions))).value;
    },
    redisKey,
    stats: () => ({ ...stats }),
  };
}

/** A client or a clock is recognised by its methods, so a copy of its library in another package passes too. */
const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
