// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server (and from the pattern's own failures) with one guard.
// One failure of its own: bad input. The Redis side of the comparison is poc-caching-lru's redisTrace, which
// throws that package's LruServiceError (isLruError(e, 'service')) when the server fails.
import { PocError, argumentChecks, errorGuard, type ArgumentChecks } from '@poc/kit';

export type LfuErrorCode = 'argument';

/** Base of every error this package throws: `isLfuError(e, code?)` tells them apart. */
export abstract class LfuError extends PocError {
  readonly scope = 'poc-caching-lfu';
  abstract override readonly code: LfuErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class LfuArgumentError extends LfuError {
  readonly code = 'argument';
}

export type AnyLfuError = LfuArgumentError;

/** The one guard: `isLfuError(e, code?)`; given a code, it narrows to that error's class. */
export const isLfuError = errorGuard<AnyLfuError>('poc-caching-lfu');

/** Argument checks that throw LfuArgumentError: `check.positiveInt('options.ttlMs', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new LfuArgumentError(p.message));
