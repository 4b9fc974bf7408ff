// A game leaderboard on one Redis sorted set: member = player id, score = points.
//
// Ties: players with equal points share a rank ("competition ranking", 1-2-2-2-5): rank = 1 + the
// number of players with strictly more points, which ZCOUNT answers in O(log N). They are still
// *listed* in a fixed order, Redis's: within equal points, player ids in descending byte order
// (ZREVRANGE reverses ZRANGE, whose ties are ascending). `position` is that place in the listing.
// Score updates stay a plain ZINCRBY: nobody has to read a score to change it.
import { luaFolder, runScript } from '@poc/redis-lua';
import type { Redis } from 'ioredis';
import { LeaderboardServiceError, check, redisCall } from './errors.ts';

/** Largest `n` for top(n): one call never returns an unbounded slice of a million-player board. */
export const MAX_TOP = 1_000;
/** Largest `k` for around(player, k): at most 2k + 1 entries per page. */
export const MAX_AROUND = 500;
/** Players per ZADD command when loading many at once. */
const ZADD_CHUNK = 1_000;

export interface RankedEntry {
  player: string;
  score: number;
  /** Competition rank, 1-based: 1 + players with strictly more points. Tied players share it. */
  rank: number;
  /** 1-based place in the listing (ZREVRANK + 1): unique, ties ordered by player id, descending. */
  position: number;
}

export interface AroundMe {
  me: RankedEntry;
  /** Up to k players listed just above `me`, best first (fewer near the top of the board). */
  above: RankedEntry[];
  /** Up to k players listed just below `me`, best first (fewer near the bottom). */
  below: RankedEntry[];
}

export interface Leaderboard {
  readonly name: string;
  /** The sorted set's key (before any keyPrefix of the client). */
  readonly key: string;
  /** Adds `delta` (may be negative) to the player's points with ZINCRBY; a new player starts at 0. Resolves with the new total. */
  addScore(player: string, delta: number): Promise<number>;
  /** Sets the player's points (ZADD), replacing what they had. */
  setScore(player: string, score: number): Promise<void>;
  /**
   * Sets many players' points at once: ZADD commands of 1 000 players each, sent in one pipeline.
   * All entries are checked before anything is sent. Not atomic as a whole: readers may see a partly
   * loaded batch. Resolves with the number of players that were not on the board before.
   */
  setScores(entries: ReadonlyArray<readonly [player: string, score: number]>): Promise<number>;
  /** The player's points, or undefined when they are not on the board. */
  score(player: string): Promise<number | undefined>;
  /** The player's rank and position, or undefined when they are not on the board. */
  rank(player: string): Promise<RankedEntry | undefined>;
  /** The best `n` players (1 ≤ n ≤ 1 000), best first. */
  top(n: number): Promise<RankedEntry[]>;
  /** The player with the `k` players above and below them (0 ≤ k ≤ 500), read atomically; undefined when absent. */
  around(player: string, k: number): Promise<AroundMe | undefined>;
  /** Number of players on the board. */
  size(): Promise<number>;
  /** Takes the player off the board; false when they were not on it. */
  remove(player: string): Promise<boolean>;
}

/** The sorted set a board lives in. */
export const leaderboardKey = (name: string): string => `leaderboard:${name}`;

export function requireClient(redis: unknown): asserts redis is Redis {
  const ok = typeof redis === 'object' && redis !== null && typeof (redis as Redis).evalsha === 'function';
  check.kind(ok, 'redis', 'must be an ioredis client', redis);
}

/** Scores are IEEE doubles in Redis; NaN and ±Infinity would poison every rank computed from them. */
export function requireFinite(name: string, value: unknown): asserts value is number {
  check.that(typeof value === 'number' && Number.isFinite(value), name, 'must be a finite number', value);
}

/** Redis prints scores with %.17g and spells infinities "inf" / "-inf". */
export function parseScore(raw: string): number {
  if (raw === 'inf' || raw === '+inf') return Infinity;
  if (raw === '-inf') return -Infinity;
  return Number(raw);
}

/**
 * Ranks a slice of the listing, given as ZREVRANGE ... WITHSCORES returns it. `start` is the 0-based
 * place of its first entry and `above` the number of players with strictly more points than that
 * entry. Scores are compared as Redis's own strings, so equal really means equal.
 */
export function rankSlice(flat: readonly string[], start: number, above: number): RankedEntry[] {
  const entries: RankedEntry[] = [];
  let previousRaw: string | undefined;
  for (let i = 0; i < flat.length; i += 2) {
    const raw = flat[i + 1]!;
    const position = start + i / 2 + 1;
    // Listed in descending order: an entry with fewer points than the one before it has everybody
    // listed before it strictly above it, so its rank is its position. A tie keeps the rank.
    const rank = previousRaw === undefined ? above + 1 : raw === previousRaw ? entries.at(-1)!.rank : position;
    entries.push({ player: flat[i]!, score: parseScore(raw), rank, position });
    previousRaw = raw;
  }
  return entries;
}

// --- Lua: src/lua/<name>-<number of keys>.lua, run by EVALSHA with a NOSCRIPT fallback (@poc/redis-lua) ---

const script = luaFolder(new URL('./lua/', import.meta.url));

// --- the board -------------------------------------------------------------------------------------

export function leaderboard(redis: Redis, name: string): Leaderboard {
  requireClient(redis);
  check.name('name', name);
  const key = leaderboardKey(name);
  const call = <T>(what: string, fn: () => Promise<T>): Promise<T> => redisCall(`${what} on leaderboard "${name}"`, fn);

  return {
    name,
    key,

    async addScore(player, delta) {
      check.name('player', player);
      requireFinite('delta', delta);
      const total = await call(`adding ${delta} to "${player}"`, () => redis.zincrby(key, delta, player));
      return parseScore(total);
    },

    async setScore(player, score) {
      check.name('player', player);
      requireFinite('score', score);
      await call(`setting the score of "${player}"`, () => redis.zadd(key, score, player));
    },

    async setScores(entries) {
      check.that(Array.isArray(entries), 'entries', 'must be an array of [player, score] pairs', entries);
      entries.forEach((entry, i) => {
        check.that(
          Array.isArray(entry) && entry.length === 2,
          `entries[${i}]`,
          'must be a [player, score] pair',
          entry,
        );
        check.name(`entries[${i}][0]`, entry[0]);
        requireFinite(`entries[${i}][1]`, entry[1]);
      });
      if (entries.length === 0) return 0;
      const pipeline = redis.pipeline();
      for (let from = 0; from < entries.length; from += ZADD_CHUNK) {
        const args: Array<string | number> = [];
        for (const [player, score] of entries.slice(from, from + ZADD_CHUNK)) args.push(score, player);
        pipeline.zadd(key, ...args);
      }
      const results = await call(`setting ${entries.length} scores`, () => pipeline.exec());
      let added = 0;
      for (const [error, count] of results ?? []) {
        if (error)
          throw new LeaderboardServiceError(
            `setting ${entries.length} scores on leaderboard "${name}" failed: ${error.message}`,
            { cause: error },
          );
        added += Number(count);
      }
      return added;
    },

    async score(player) {
      check.name('player', player);
      const raw = await call(`reading the score of "${player}"`, () => redis.zscore(key, player));
      return raw === null ? undefined : parseScore(raw);
    },

    async rank(player) {
      check.name('player', player);
      const reply = (await call(`ranking "${player}"`, () =>
        runScript(redis, script('rank-1.lua'), [key], [player]),
      )) as [position: number, above: number, score: string] | null;
      if (reply === null) return undefined;
      const [position, above, raw] = reply;
      return { player, score: parseScore(raw), rank: above + 1, position: position + 1 };
    },

    async top(n) {
      check.intIn('n', n, 1, MAX_TOP);
      // One command, so atomic on its own; the first entry has nobody above it, so no ZCOUNT is needed.
      const flat = await call(`reading the top ${n}`, () => redis.zrevrange(key, 0, n - 1, 'WITHSCORES'));
      return rankSlice(flat, 0, 0);
    },

    async around(player, k) {
      check.name('player', player);
      check.intIn('k', k, 0, MAX_AROUND);
      const reply = (await call(`reading the page around "${player}"`, () =>
        runScript(redis, script('around-1.lua'), [key], [player, k]),
      )) as [position: number, start: number, above: number, page: string[]] | null;
      if (reply === null) return undefined;
      const [position, start, above, page] = reply;
      const entries = rankSlice(page, start, above);
      const mine = position - start;
      return { me: entries[mine]!, above: entries.slice(0, mine), below: entries.slice(mine + 1) };
    },

    size: () => call('counting players', () => redis.zcard(key)),

    async remove(player) {
      check.name('player', player);
      return (await call(`removing "${player}"`, () => redis.zrem(key, player))) === 1;
    },
  };
}
