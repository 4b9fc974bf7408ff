// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server (and from the pattern's own failures) with one guard.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type ConsistentHashingErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isConsistentHashingError(e, code?)` tells them apart. */
export abstract class ConsistentHashingError extends PocError {
  readonly scope = 'poc-caching-consistent-hashing';
  abstract override readonly code: ConsistentHashingErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class ConsistentHashingArgumentError extends ConsistentHashingError {
  readonly code = 'argument';
}

/** A server failed or could not be reached; `cause` is the client's error. */
export class ConsistentHashingServiceError extends ConsistentHashingError {
  readonly code = 'service';
}

export type AnyConsistentHashingError = ConsistentHashingArgumentError | ConsistentHashingServiceError;

/** The one guard: `isConsistentHashingError(e, code?)`; given a code, it narrows to that error's class. */
export const isConsistentHashingError = errorGuard<AnyConsistentHashingError>('poc-caching-consistent-hashing');

/** Argument checks that throw ConsistentHashingArgumentError: `check.positiveInt('options.ttlMs', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new ConsistentHashingArgumentError(p.message));

/** Runs one redis call; a client failure becomes a ConsistentHashingServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new ConsistentHashingServiceError(message, { cause }));
