// Every error this package throws is a PocError with scope "poc-redis-rate-limit" and a code, so a caller
// (an API middleware, say) can tell "you called me wrongly" from "Redis is down" without matching
// message strings: `isRateLimitError(e, 'service')`.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type RateLimitErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isRateLimitError(e, code?)` tells them apart. */
export abstract class RateLimitError extends PocError {
  readonly scope = 'poc-redis-rate-limit';
  abstract override readonly code: RateLimitErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class RateLimitArgumentError extends RateLimitError {
  readonly code = 'argument';
}

/** Redis failed or could not be reached; `cause` is the client's error. Nothing was admitted or denied. */
export class RateLimitServiceError extends RateLimitError {
  readonly code = 'service';
}

export type AnyRateLimitError = RateLimitArgumentError | RateLimitServiceError;
/** The one guard: `isRateLimitError(e)`, or `isRateLimitError(e, 'service')` narrowed to RateLimitServiceError. */
export const isRateLimitError = errorGuard<AnyRateLimitError>('poc-redis-rate-limit');

/** Argument checks that throw RateLimitArgumentError: `check.positiveInt('limit', v)`. */
export const check: ArgumentChecks = argumentChecks((p) => new RateLimitArgumentError(p.message));
/** Runs one Redis call; a client failure becomes a RateLimitServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new RateLimitServiceError(message, { cause }));
