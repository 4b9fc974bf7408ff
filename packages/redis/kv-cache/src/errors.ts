// The errors this package throws, on the shared kit: a caller tells "you passed a bad TTL" from "the
// loader returned nothing" from "Redis refused the invalidation" with one guard,
// `isCacheError(e, 'service')`, without matching strings.
import { PocError, argumentChecks, errorGuard, type ArgumentChecks } from '@poc/kit';

export type CacheErrorCode = 'argument' | 'value' | 'service';

/** Base of every error this package throws: `isCacheError(e, code?)` tells them apart. */
export abstract class CacheError extends PocError {
  readonly scope = 'poc-redis-kv-cache';
  abstract override readonly code: CacheErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. Nothing was sent. */
export class CacheArgumentError extends CacheError {
  readonly code = 'argument';
}

/** A value could not be cached: the loader returned undefined, or the serializer failed. Nothing was stored. */
export class CacheValueError extends CacheError {
  readonly code = 'value';
}

/** Redis failed where the cache cannot fall back (invalidation); `cause` is the client's error. */
export class CacheServiceError extends CacheError {
  readonly code = 'service';
}

export type AnyCacheError = CacheArgumentError | CacheValueError | CacheServiceError;

/** The one guard: `isCacheError(e)`, or `isCacheError(e, 'service')` narrowed to CacheServiceError. */
export const isCacheError = errorGuard<AnyCacheError>('poc-redis-kv-cache');

/** Argument checks that throw CacheArgumentError: `check.positiveInt('ttlMs', v)`. */
export const check: ArgumentChecks = argumentChecks((p) => new CacheArgumentError(p.message));
