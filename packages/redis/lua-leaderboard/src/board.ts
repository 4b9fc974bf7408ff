// What every variant of the board shares: its keys, its checked options, how an update is shaped, and
// the reads. The variants (one Lua script here; MULTI and plain round trips in ./naive.ts) differ only in
// how they write one update: add to the score, record it in the player's history, refresh the cached top N.
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { check, redisCall } from './errors.ts';

/** Largest topN: every update recomputes the cached top, so it stays a small page, not a listing. */
export const MAX_TOP_N = 100;
/** Largest historyLength: the script scans the player's history for the update id on every update. */
export const MAX_HISTORY = 1_000;

export interface LeaderboardOptions {
  /** Names the board: every key it writes is `board:{<name>}:…` (one hash tag, so one cluster slot). */
  name: string;
  /** Entries in the cached top (1 to 100, default 10). */
  topN?: number;
  /** Updates kept per player, newest first (1 to 1 000, default 20); also the window in which a repeated update id is recognised. */
  historyLength?: number;
  /** Stamps history entries (default systemClock); a test can drive it with a ManualClock from @poc/kit. */
  clock?: Clock;
}

export interface AddScoreOptions {
  /** Names this update; a second run with the same id (a re-sent command, a retry) changes nothing. Default: a random id. */
  updateId?: string;
  /** Checked before anything is sent; once sent, an update is not cancelled half-way. */
  signal?: AbortSignal;
}

export interface ScoreUpdate {
  player: string;
  /** The player's points after the update (for a replayed update: after its first run). */
  score: number;
  /** Version of the cached top after the update: it goes up only when the top N changed. */
  topVersion: number;
  /** Whether this update changed the top N (and so its version). */
  topChanged: boolean;
  /** The update id was already in the player's history: nothing was changed this time. */
  replayed: boolean;
}

export interface TopEntry {
  player: string;
  score: number;
}

/** The cached top N, as one read of one small hash returns it. */
export interface CachedTop {
  /** 0 before the first update; +1 each time the top N changes (players, order or points). */
  version: number;
  entries: TopEntry[];
}

export interface HistoryEntry {
  updateId: string;
  delta: number;
  /** The player's points right after this update. */
  score: number;
  /** When it was applied, epoch ms on the writer's clock. */
  at: number;
}

/** The keys of one board (before any keyPrefix of the client). */
export interface BoardKeys {
  /** Sorted set: member = player, score = points. */
  readonly scores: string;
  /** Hash {version, entries}: entries is JSON [player, score, player, score, ...] as ZREVRANGE WITHSCORES gives it. */
  readonly top: string;
  /** List of JSON history entries [updateId, delta, score, at], newest first. */
  history(player: string): string;
}

export const boardKeys = (name: string): BoardKeys => ({
  scores: `board:{${name}}:scores`,
  top: `board:{${name}}:top`,
  history: (player) => `board:{${name}}:history:${player}`,
});

/** One update, checked and stamped, as a variant's write receives it. */
export interface Update {
  player: string;
  delta: number;
  updateId: string;
  at: number;
}

/** What the operations work with, checked once. */
export interface Context {
  readonly redis: Redis;
  readonly name: string;
  readonly topN: number;
  readonly historyLength: number;
  readonly clock: Clock;
  readonly keys: BoardKeys;
}

export interface Leaderboard {
  readonly name: string;
  readonly topN: number;
  readonly historyLength: number;
  /** How this board writes an update: "script", "multi" or "round trips". */
  readonly writes: string;
  /** Adds `delta` points to `player` (a new player starts at 0), records it in their history and refreshes the cached top. */
  addScore(player: string, delta: number, options?: AddScoreOptions): Promise<ScoreUpdate>;
  /** The cached top N: one HMGET of one small hash. */
  top(signal?: AbortSignal): Promise<CachedTop>;
  /** The player's recent updates, newest first. */
  history(player: string, signal?: AbortSignal): Promise<HistoryEntry[]>;
  /** The cache, the board's real top N and each named player's score and newest history entry, read at one instant. */
  snapshot(players?: readonly string[], signal?: AbortSignal): Promise<Snapshot>;
}

export interface Snapshot {
  cached: CachedTop;
  /** The board's real top N (ZREVRANGE), read in the same MULTI as the cache. */
  actual: TopEntry[];
  players: Array<{ player: string; score: number | undefined; latest: HistoryEntry | undefined }>;
}

/** A write strategy: how one variant sends one update to Redis. */
export type Write = (context: Context, update: Update) => Promise<ScoreUpdate>;

/** Checks the client and the options; every variant is built on this. */
export function createContext(redis: Redis, options: LeaderboardOptions): Context {
  check.kind(hasMethods(redis, 'evalsha', 'multi'), 'redis', 'must be an ioredis client', redis);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const { name, topN = 10, historyLength = 20, clock = systemClock } = options;
  check.name('options.name', name);
  check.intIn('options.topN', topN, 1, MAX_TOP_N);
  check.intIn('options.historyLength', historyLength, 1, MAX_HISTORY);
  check.kind(hasMethods(clock, 'now', 'sleep', 'schedule'), 'options.clock', 'must be a Clock', clock);
  return { redis, name, topN, historyLength, clock, keys: boardKeys(name) };
}

/** A client or a clock is recognised by its methods, so a copy of its library in another package passes too. */
const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');

/** A board whose updates go through `write`; the reads are the same for every variant. */
export function leaderboard(redis: Redis, options: LeaderboardOptions, writes: string, write: Write): Leaderboard {
  const context = createContext(redis, options);
  const { keys } = context;
  return {
    name: context.name,
    topN: context.topN,
    historyLength: context.historyLength,
    writes,
    async addScore(player, delta, addOptions = {}) {
      check.name('player', player);
      check.that(typeof delta === 'number' && Number.isFinite(delta), 'delta', 'must be a finite number', delta);
      check.options('options', addOptions);
      const { updateId = randomBytes(9).toString('base64url'), signal } = addOptions;
      check.name('options.updateId', updateId);
      check.signal('options.signal', signal);
      const at = context.clock.now();
      check.that(
        Number.isSafeInteger(at) && at >= 0,
        'options.clock.now()',
        'must return a non-negative integer of ms',
        at,
      );
      signal?.throwIfAborted();
      return write(context, { player, delta, updateId, at });
    },
    async top(signal) {
      check.signal('signal', signal);
      signal?.throwIfAborted();
      const [version, entries] = await redisCall(`reading the cached top of board "${context.name}"`, () =>
        redis.hmget(keys.top, 'version', 'entries'),
      );
      return parseCachedTop(version ?? null, entries ?? null);
    },
    async history(player, signal) {
      check.name('player', player);
      check.signal('signal', signal);
      signal?.throwIfAborted();
      const raw = await redisCall(`reading the history of "${player}" on board "${context.name}"`, () =>
        redis.lrange(keys.history(player), 0, -1),
      );
      return raw.map(parseHistoryEntry);
    },
    async snapshot(players = [], signal) {
      check.kind(Array.isArray(players), 'players', 'must be an array of player names', players);
      players.forEach((p, i) => check.name(`players[${i}]`, p));
      check.signal('signal', signal);
      signal?.throwIfAborted();
      return readSnapshot(context, players);
    },
  };
}

/** One MULTI of reads: Redis runs it with nothing from another client in between, scripts included. */
async function readSnapshot(context: Context, players: readonly string[]): Promise<Snapshot> {
  const { redis, keys, topN } = context;
  const multi = redis
    .multi()
    .hmget(keys.top, 'version', 'entries')
    .zrevrange(keys.scores, 0, topN - 1, 'WITHSCORES');
  for (const player of players) multi.zscore(keys.scores, player).lindex(keys.history(player), 0);
  const replies = await redisCall(`reading a snapshot of board "${context.name}"`, async () => {
    const results = (await multi.exec()) ?? [];
    return results.map(([error, value]) => {
      if (error) throw error;
      return value;
    });
  });
  const [version, entries] = replies[0] as [string | null, string | null];
  return {
    cached: parseCachedTop(version, entries),
    actual: pairs(replies[1] as string[]),
    players: players.map((player, i) => {
      const score = replies[2 + 2 * i] as string | null;
      const latest = replies[3 + 2 * i] as string | null;
      return {
        player,
        score: score === null ? undefined : parseScore(score),
        latest: latest === null ? undefined : parseHistoryEntry(latest),
      };
    }),
  };
}

/**
 * What a reader would find wrong in a snapshot: a cached top that is not the board's top N, a player
 * whose newest history entry does not end at their score. Empty when everything agrees.
 */
export function disagreements(snapshot: Snapshot): string[] {
  const problems: string[] = [];
  const show = (entries: TopEntry[]): string => `[${entries.map((e) => `${e.player} ${e.score}`).join(', ')}]`;
  if (show(snapshot.cached.entries) !== show(snapshot.actual))
    problems.push(
      `cached top (version ${snapshot.cached.version}) is ${show(snapshot.cached.entries)}, the board's is ${show(snapshot.actual)}`,
    );
  for (const { player, score, latest } of snapshot.players) {
    if (latest?.score === score) continue;
    problems.push(
      `${player} has ${score ?? 'no score'} points, the newest history entry says ${latest ? latest.score : 'nothing'}`,
    );
  }
  return problems;
}

/** Redis prints scores with %.17g and spells infinities "inf" / "-inf". */
export function parseScore(raw: string): number {
  if (raw === 'inf' || raw === '+inf') return Infinity;
  if (raw === '-inf') return -Infinity;
  return Number(raw);
}

/** [player, score, player, score, ...] (ZREVRANGE WITHSCORES, or the cache's JSON of it) as entries. */
export function pairs(flat: readonly string[]): TopEntry[] {
  const entries: TopEntry[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) entries.push({ player: flat[i]!, score: parseScore(flat[i + 1]!) });
  return entries;
}

export function parseCachedTop(version: string | null, entries: string | null): CachedTop {
  return { version: Number(version ?? '0'), entries: entries ? pairs(JSON.parse(entries) as string[]) : [] };
}

/** A history entry is stored as JSON [updateId, delta, score, at], every field a string (numbers exactly as Redis printed them). */
export function encodeHistoryEntry(entry: { updateId: string; delta: string; score: string; at: string }): string {
  return JSON.stringify([entry.updateId, entry.delta, entry.score, entry.at]);
}

export function parseHistoryEntry(raw: string): HistoryEntry {
  const [updateId, delta, score, at] = JSON.parse(raw) as [string, string, string, string];
  return { updateId, delta: Number(delta), score: parseScore(score), at: Number(at) };
}
