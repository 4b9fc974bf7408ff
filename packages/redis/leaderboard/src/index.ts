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
export { naiveLeaderboard, type NaiveLeaderboard, type NaiveAroundMe } from './naive.ts';
export {
  LeaderboardError,
  LeaderboardArgumentError,
  LeaderboardServiceError,
  isLeaderboardError,
  isLeaderboardArgumentError,
  isLeaderboardServiceError,
  type LeaderboardErrorCode,
} from './errors.ts';
