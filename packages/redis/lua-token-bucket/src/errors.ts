// Every error this package throws is a PocError with scope "poc-redis-lua-token-bucket" and a code, so a
// caller (an API middleware, say) tells "you called me wrongly" from "Redis is down" without matching
// message strings: `isTokenBucketError(e, 'service')`.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type TokenBucketErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isTokenBucketError(e, code?)` tells them apart. */
export abstract class TokenBucketError extends PocError {
  readonly scope = 'poc-redis-lua-token-bucket';
  abstract override readonly code: TokenBucketErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. Nothing was sent. */
export class TokenBucketArgumentError extends TokenBucketError {
  readonly code = 'argument';
}

/**
 * Redis failed or could not be reached; `cause` is the client's error. The caller cannot know whether a
 * token was taken (the script may have run before the connection broke): treat it as "not admitted".
 */
export class TokenBucketServiceError extends TokenBucketError {
  readonly code = 'service';
}

export type AnyTokenBucketError = TokenBucketArgumentError | TokenBucketServiceError;

/** The one guard: `isTokenBucketError(e)`, or `isTokenBucketError(e, 'service')` narrowed to TokenBucketServiceError. */
export const isTokenBucketError = errorGuard<AnyTokenBucketError>('poc-redis-lua-token-bucket');

/** Argument checks that throw TokenBucketArgumentError: `check.positiveInt('options.capacity', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new TokenBucketArgumentError(p.message));

/** Runs one Redis call; a client failure becomes a TokenBucketServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new TokenBucketServiceError(message, { cause }));
