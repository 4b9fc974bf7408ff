// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input, a failed server, a key too hot to update and an update of unknown fate apart
// with one guard: `isWatchError(e, 'exhausted')`.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type WatchErrorCode = 'argument' | 'service' | 'exhausted' | 'unknown';

/** Base of every error this package throws: `isWatchError(e, code?)` tells them apart. */
export abstract class WatchError extends PocError {
  readonly scope = 'poc-redis-watch';
  abstract override readonly code: WatchErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class WatchArgumentError extends WatchError {
  readonly code = 'argument';
}

/**
 * A server failed or could not be reached, or refused the writes; `cause` is the client's error. Raised
 * before EXEC was sent (or when EXEC itself answered an error), so the update was not applied.
 */
export class WatchServiceError extends WatchError {
  readonly code = 'service';
}

/** Every attempt found a watched key changed before its EXEC: nothing of this update was written. */
export class WatchRetriesExhaustedError extends WatchError {
  readonly code = 'exhausted';
  readonly attempts: number;
  readonly keys: readonly string[];
  constructor(attempts: number, keys: readonly string[]) {
    super(
      `gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: every EXEC found a watched key changed ` +
        `(${keys.map((k) => `"${k}"`).join(', ')}); nothing was written`,
    );
    this.attempts = attempts;
    this.keys = keys;
  }
}

/**
 * The connection broke after EXEC was sent and before its answer arrived: Redis may or may not have applied
 * the writes. The connection is discarded rather than re-sending MULTI ... EXEC on a new one, where no
 * WATCH would guard it. Read the keys to find out, or make the writes idempotent.
 */
export class WatchOutcomeUnknownError extends WatchError {
  readonly code = 'unknown';
}

export type AnyWatchError =
  WatchArgumentError | WatchServiceError | WatchRetriesExhaustedError | WatchOutcomeUnknownError;

/** The one guard: `isWatchError(e, code?)`; given a code, it narrows to that error's class. */
export const isWatchError = errorGuard<AnyWatchError>('poc-redis-watch');

/** Argument checks that throw WatchArgumentError: `check.positiveInt('options.maxAttempts', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new WatchArgumentError(p.message));

/** Runs one redis call; a client failure becomes a WatchServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new WatchServiceError(message, { cause }));
