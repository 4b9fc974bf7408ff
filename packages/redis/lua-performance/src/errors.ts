// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server (or a step the server refused) with one guard.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type LuaPerformanceErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isLuaPerformanceError(e, code?)` tells them apart. */
export abstract class LuaPerformanceError extends PocError {
  readonly scope = 'poc-redis-lua-performance';
  abstract override readonly code: LuaPerformanceErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class LuaPerformanceArgumentError extends LuaPerformanceError {
  readonly code = 'argument';
}

/**
 * A server failed, could not be reached, or refused a step; `cause` is the client's error. Steps before
 * the refused one stay applied (none of the four ways rolls back), and MULTI/EXEC and a pipeline also
 * run the steps after it: the message says which step failed where the way of sending can tell.
 */
export class LuaPerformanceServiceError extends LuaPerformanceError {
  readonly code = 'service';
}

export type AnyLuaPerformanceError = LuaPerformanceArgumentError | LuaPerformanceServiceError;

/** The one guard: `isLuaPerformanceError(e, code?)`; given a code, it narrows to that error's class. */
export const isLuaPerformanceError = errorGuard<AnyLuaPerformanceError>('poc-redis-lua-performance');

/** Argument checks that throw LuaPerformanceArgumentError: `check.positiveInt('options.maxSteps', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new LuaPerformanceArgumentError(p.message));

/** Runs one redis call; a client failure becomes a LuaPerformanceServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new LuaPerformanceServiceError(message, { cause }));
