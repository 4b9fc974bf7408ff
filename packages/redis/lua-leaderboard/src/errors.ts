// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server with one guard. The board has no failures of its own: an
// update is applied whole or not at all, and a repeated update id is an answer (`replayed`), not an error.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type LuaLeaderboardErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isLuaLeaderboardError(e, code?)` tells them apart. */
export abstract class LuaLeaderboardError extends PocError {
  readonly scope = 'poc-redis-lua-leaderboard';
  abstract override readonly code: LuaLeaderboardErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class LuaLeaderboardArgumentError extends LuaLeaderboardError {
  readonly code = 'argument';
}

/**
 * Redis failed, could not be reached or refused the update (a key of the wrong type); `cause` is the
 * client's error. When the script itself reported the error, none of the update was applied; when the
 * connection failed, it may have been: send it again with the same `updateId`.
 */
export class LuaLeaderboardServiceError extends LuaLeaderboardError {
  readonly code = 'service';
}

export type AnyLuaLeaderboardError = LuaLeaderboardArgumentError | LuaLeaderboardServiceError;

/** The one guard: `isLuaLeaderboardError(e, code?)`; given a code, it narrows to that error's class. */
export const isLuaLeaderboardError = errorGuard<AnyLuaLeaderboardError>('poc-redis-lua-leaderboard');

/** Argument checks that throw LuaLeaderboardArgumentError: `check.intIn('options.topN', value, 1, 100)`. */
export const check: ArgumentChecks = argumentChecks((p) => new LuaLeaderboardArgumentError(p.message));

/** Runs one redis call; a client failure becomes a LuaLeaderboardServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new LuaLeaderboardServiceError(message, { cause }));
