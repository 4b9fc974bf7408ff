// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server (and from the pattern's own failures) with one guard.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type DedupErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isDedupError(e, code?)` tells them apart. */
export abstract class DedupError extends PocError {
  readonly scope = 'poc-resilience-dedup';
  abstract override readonly code: DedupErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class DedupArgumentError extends DedupError {
  readonly code = 'argument';
}

/** A server failed or could not be reached; `cause` is the client's error. */
export class DedupServiceError extends DedupError {
  readonly code = 'service';
}

export type AnyDedupError = DedupArgumentError | DedupServiceError;

/** The one guard: `isDedupError(e, code?)`; given a code, it narrows to that error's class. */
export const isDedupError = errorGuard<AnyDedupError>('poc-resilience-dedup');

/** Argument checks that throw DedupArgumentError: `check.positiveInt('options.ttlMs', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new DedupArgumentError(p.message));

/** Runs one redis call; a client failure becomes a DedupServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new DedupServiceError(message, { cause }));
