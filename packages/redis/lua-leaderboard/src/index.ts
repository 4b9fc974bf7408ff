// The public API of poc-redis-lua-leaderboard: a board whose updates are one Lua script each, its types,
// the pure consistency check a reader can run on a snapshot, and the errors. The MULTI and round-trip
// variants are behind the subpath 'poc-redis-lua-leaderboard/naive'.
export { luaLeaderboard } from './lua-leaderboard.ts';
export {
  MAX_HISTORY,
  MAX_TOP_N,
  boardKeys,
  disagreements,
  type AddScoreOptions,
  type BoardKeys,
  type CachedTop,
  type HistoryEntry,
  type Leaderboard,
  type LeaderboardOptions,
  type ScoreUpdate,
  type Snapshot,
  type TopEntry,
} from './board.ts';
export {
  LuaLeaderboardError,
  LuaLeaderboardArgumentError,
  LuaLeaderboardServiceError,
  isLuaLeaderboardError,
  type AnyLuaLeaderboardError,
  type LuaLeaderboardErrorCode,
} from './errors.ts';
