// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server (and from the pattern's own failures) with one guard.
// Two failures: bad input, and a server that failed (Redis for the layers, PostgreSQL for the fixture's loader).
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type MultiLayerErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isMultiLayerError(e, code?)` tells them apart. */
export abstract class MultiLayerError extends PocError {
  readonly scope = 'poc-caching-multi-layer';
  abstract override readonly code: MultiLayerErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class MultiLayerArgumentError extends MultiLayerError {
  readonly code = 'argument';
}

/** A server failed or could not be reached; `cause` is the client's error. */
export class MultiLayerServiceError extends MultiLayerError {
  readonly code = 'service';
}

export type AnyMultiLayerError = MultiLayerArgumentError | MultiLayerServiceError;

/** The one guard: `isMultiLayerError(e, code?)`; given a code, it narrows to that error's class. */
export const isMultiLayerError = errorGuard<AnyMultiLayerError>('poc-caching-multi-layer');

/** Argument checks that throw MultiLayerArgumentError: `check.positiveInt('options.ttlMs', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new MultiLayerArgumentError(p.message));

/** Runs one redis call; a client failure becomes a MultiLayerServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new MultiLayerServiceError(message, { cause }));

/** Runs one postgres call; a client failure becomes a MultiLayerServiceError naming what was being done. */
export const postgresCall = serviceCall((message, cause) => new MultiLayerServiceError(message, { cause }));
