export {
  leaderboard,
  leaderboardKey,
  rankSlice,
  MAX_TOP,
  MAX_AROUND,
  type Leaderboard,
  type RankedEntry,
  type AroundMe,
} from './leaderboard.ts';
export {
  LeaderboardError,
  LeaderboardArgumentError,
  LeaderboardServiceError,
  isLeaderboardError,
  type LeaderboardErrorCode,
} from './errors.ts';
