// DO NOT USE: the two ways of writing the same update without a script, kept to show how each fails
// (tests, demo, bench). Same options, same keys, same reads as luaLeaderboard; only the write differs.
// Import them from 'poc-redis-lua-leaderboard/naive'.
//
// - roundTripLeaderboard: ZINCRBY, LPUSH, LTRIM, ZREVRANGE, HMGET, HSET as separate awaited commands.
//   A reader between two of them sees the points added but the history and the cache not yet; a
//   writer that read the top before another writer's update overwrites the cache with a stale top.
//   A re-sent ZINCRBY (reply lost, ioredis re-sends) adds the points twice.
// - multiLeaderboard: one MULTI to read, one MULTI to write. MULTI queues commands before any of them
//   has run, so nothing inside it can depend on another's result: the new score (for the history)
//   and the new top (for the cache) must be computed from what was read before. Readers never see a
//   half-done update, but a concurrent update between the two MULTIs makes both stale, for good.
import { Buffer } from 'node:buffer';
import type { ChainableCommander, Redis } from 'ioredis';
import {
  encodeHistoryEntry,
  leaderboard,
  pairs,
  parseCachedTop,
  parseScore,
  type Leaderboard,
  type LeaderboardOptions,
  type TopEntry,
  type Write,
} from './board.ts';
import { redisCall } from './errors.ts';

/** The same steps as the script, each its own round trip. */
export function roundTripLeaderboard(redis: Redis, options: LeaderboardOptions): Leaderboard {
  return leaderboard(redis, options, 'round trips', roundTripWrite);
}

/** A MULTI of reads, a decision in the client, a MULTI of writes. */
export function multiLeaderboard(redis: Redis, options: LeaderboardOptions): Leaderboard {
  return leaderboard(redis, options, 'multi', multiWrite);
}

const roundTripWrite: Write = ({ redis, name, keys, topN, historyLength }, u) =>
  redisCall(`adding ${u.delta} to "${u.player}" on board "${name}" (round trips)`, async () => {
    const history = keys.history(u.player);
    const score = await redis.zincrby(keys.scores, u.delta, u.player);
    const entry = { updateId: u.updateId, delta: String(u.delta), score, at: String(u.at) };
    await redis.lpush(history, encodeHistoryEntry(entry));
    await redis.ltrim(history, 0, historyLength - 1);
    const top = await redis.zrevrange(keys.scores, 0, topN - 1, 'WITHSCORES');
    const [version, cached] = await redis.hmget(keys.top, 'version', 'entries');
    const current = parseCachedTop(version ?? null, cached ?? null);
    if (sameTop(current.entries, pairs(top)))
      return {
        player: u.player,
        score: parseScore(score),
        topVersion: current.version,
        topChanged: false,
        replayed: false,
      };
    const next = current.version + 1;
    await redis.hset(keys.top, 'version', next, 'entries', JSON.stringify(top));
    return { player: u.player, score: parseScore(score), topVersion: next, topChanged: true, replayed: false };
  });

const multiWrite: Write = ({ redis, name, keys, topN, historyLength }, u) =>
  redisCall(`adding ${u.delta} to "${u.player}" on board "${name}" (MULTI)`, async () => {
    const history = keys.history(u.player);
    // 1. Read what the update depends on: the player's points, the top N + 1 (in case the player falls
    //    out of the top, the next one moves in) and the cache. One MULTI: a consistent view, of the past.
    const [current, top, [version, cached]] = (await execOrThrow(
      redis
        .multi()
        .zscore(keys.scores, u.player)
        .zrevrange(keys.scores, 0, topN, 'WITHSCORES')
        .hmget(keys.top, 'version', 'entries'),
    )) as [string | null, string[], [string | null, string | null]];
    // 2. Decide in the client, on that view.
    const predicted = (current === null ? 0 : parseScore(current)) + u.delta;
    const newTop = placed(pairs(top), { player: u.player, score: predicted }, topN);
    const cache = parseCachedTop(version, cached);
    const changed = !sameTop(cache.entries, newTop);
    // 3. Write it all in one MULTI: atomic, but with the values decided in step 2.
    const entry = { updateId: u.updateId, delta: String(u.delta), score: String(predicted), at: String(u.at) };
    const write = redis
      .multi()
      .zincrby(keys.scores, u.delta, u.player)
      .lpush(history, encodeHistoryEntry(entry))
      .ltrim(history, 0, historyLength - 1);
    if (changed)
      write.hset(
        keys.top,
        'version',
        cache.version + 1,
        'entries',
        JSON.stringify(newTop.flatMap((e) => [e.player, String(e.score)])),
      );
    const [score] = (await execOrThrow(write)) as [string];
    return {
      player: u.player,
      score: parseScore(score),
      topVersion: changed ? cache.version + 1 : cache.version,
      topChanged: changed,
      replayed: false,
    };
  });

/** EXEC, with the first failed command's error thrown (EXEC itself never fails for a runtime error). */
async function execOrThrow(multi: ChainableCommander): Promise<unknown[]> {
  const results = (await multi.exec()) ?? [];
  return results.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

function sameTop(a: readonly TopEntry[], b: readonly TopEntry[]): boolean {
  return a.length === b.length && a.every((e, i) => e.player === b[i]!.player && e.score === b[i]!.score);
}

/**
 * The top N as it will be once `moved` has its new score, computed from the top N + 1 read before:
 * Redis's order (points descending, then player ids descending byte by byte).
 */
function placed(top: readonly TopEntry[], moved: TopEntry, topN: number): TopEntry[] {
  // Anyone not in the N + 1 read is behind all of them, so cannot reach the top N; the moved player competes with them.
  const entries = [...top.filter((e) => e.player !== moved.player), moved];
  entries.sort((x, y) => y.score - x.score || Buffer.compare(Buffer.from(y.player), Buffer.from(x.player)));
  return entries.slice(0, topN);
}
