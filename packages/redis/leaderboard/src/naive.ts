// DO NOT USE: the leaderboard code many people write first, kept to show how it fails under load (tests,
// demo); only under the 'poc-redis-leaderboard/naive' subpath, not the package index.
// - addScore reads the score (ZSCORE), adds in the client, writes it back (ZADD): two players' worth of
//   updates that interleave between the read and the write overwrite each other (lost updates).
// - around reads the position (ZREVRANK), then the page (ZREVRANGE), then the first entry's rank
//   (ZCOUNT) in three round trips: a ZINCRBY landing in between moves the player, and the page no
//   longer has them in the middle, or at all.
import type { Redis } from 'ioredis';
import { check, redisCall } from './errors.ts';
import {
  MAX_AROUND,
  leaderboardKey,
  parseScore,
  rankSlice,
  requireClient,
  type AroundMe,
  type RankedEntry,
} from './leaderboard.ts';

export interface NaiveAroundMe extends Omit<AroundMe, 'me'> {
  /** The entry where the player was when their position was read: possibly someone else now, or nobody. */
  me: RankedEntry | undefined;
}

export interface NaiveLeaderboard {
  readonly key: string;
  addScore(player: string, delta: number): Promise<number>;
  around(player: string, k: number): Promise<NaiveAroundMe | undefined>;
}

export function naiveLeaderboard(redis: Redis, name: string): NaiveLeaderboard {
  requireClient(redis);
  check.name('name', name);
  const key = leaderboardKey(name);
  return {
    key,
    async addScore(player, delta) {
      check.name('player', player);
      const current = await redisCall('naive ZSCORE', () => redis.zscore(key, player));
      // The race: another client may write this player's score between the read above and the write below.
      const next = (current === null ? 0 : parseScore(current)) + delta;
      await redisCall('naive ZADD', () => redis.zadd(key, next, player));
      return next;
    },
    async around(player, k) {
      check.name('player', player);
      check.intIn('k', k, 0, MAX_AROUND);
      const position = await redisCall('naive ZREVRANK', () => redis.zrevrank(key, player));
      if (position === null) return undefined;
      const start = Math.max(0, position - k);
      // The race: the player may have moved since ZREVRANK answered.
      const page = await redisCall('naive ZREVRANGE', () => redis.zrevrange(key, start, position + k, 'WITHSCORES'));
      const above =
        page.length === 0 ? 0 : await redisCall('naive ZCOUNT', () => redis.zcount(key, `(${page[1]}`, '+inf'));
      const entries = rankSlice(page, start, above);
      const mine = position - start;
      return { me: entries[mine], above: entries.slice(0, mine), below: entries.slice(mine + 1) };
    },
  };
}
