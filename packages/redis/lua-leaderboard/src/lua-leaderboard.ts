// A leaderboard whose every update is one Lua script: the points (ZINCRBY), the player's capped history
// and the cached top N with its version change together or not at all, and the cache is rewritten only
// when the top really changed, a decision taken inside Redis on the state the update itself produced.
import { luaFolder, runScript } from '@poc/redis-lua';
import type { Redis } from 'ioredis';
import { leaderboard, parseScore, type Leaderboard, type LeaderboardOptions, type Write } from './board.ts';
import { redisCall } from './errors.ts';

const luaScript = luaFolder(new URL('./lua/', import.meta.url));

/** Every update in one script run (`src/lua/add-score-3.lua`); every argument is checked first. */
export function luaLeaderboard(redis: Redis, options: LeaderboardOptions): Leaderboard {
  return leaderboard(redis, options, 'script', scriptWrite);
}

const scriptWrite: Write = async ({ redis, name, keys, topN, historyLength }, u) => {
  const keyList = [keys.scores, keys.history(u.player), keys.top];
  const args = [u.player, String(u.delta), u.updateId, u.at, historyLength, topN];
  const reply = await redisCall(`adding ${u.delta} to "${u.player}" on board "${name}"`, () =>
    runScript(redis, luaScript('add-score-3.lua'), keyList, args),
  );
  const [score, version, changed, replayed] = reply as [string, number, number, number];
  return {
    player: u.player,
    score: parseScore(score),
    topVersion: version,
    topChanged: changed === 1,
    replayed: replayed === 1,
  };
};
