// Every error this package throws is a PocError with scope "poc-redis-leaderboard" and a code, so a caller
// can tell "you passed a bad argument" from "Redis failed" without matching message strings (and across
// duplicated copies of the package, where instanceof would fail): `isLeaderboardError(e, 'service')`.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type LeaderboardErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isLeaderboardError(e, code?)` tells them apart. */
export abstract class LeaderboardError extends PocError {
  readonly scope = 'poc-redis-leaderboard';
  abstract override readonly code: LeaderboardErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. Nothing was sent. */
export class LeaderboardArgumentError extends LeaderboardError {
  readonly code = 'argument';
}

/** Redis failed or could not be reached; `cause` is the client's error. */
export class LeaderboardServiceError extends LeaderboardError {
  readonly code = 'service';
}

export type AnyLeaderboardError = LeaderboardArgumentError | LeaderboardServiceError;
/** The one guard: `isLeaderboardError(e)`, or `isLeaderboardError(e, 'service')` narrowed to LeaderboardServiceError. */
export const isLeaderboardError = errorGuard<AnyLeaderboardError>('poc-redis-leaderboard');

/** Argument checks that throw LeaderboardArgumentError: `check.intIn('n', n, 1, MAX_TOP)`. */
export const check: ArgumentChecks = argumentChecks((p) => new LeaderboardArgumentError(p.message));
/** Runs one Redis call; a client failure becomes a LeaderboardServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new LeaderboardServiceError(message, { cause }));
