// This package's domain errors, on the shared kit: each carries the package's scope and a code, so a
// caller tells "you passed a bad option" from "Redis failed" with isStreamError(e, code), not by message.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type StreamErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isStreamError(e, code?)` tells them apart. */
export abstract class StreamError extends PocError {
  readonly scope = 'poc-redis-streams';
  abstract override readonly code: StreamErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class StreamArgumentError extends StreamError {
  readonly code = 'argument';
}

/** Redis failed or could not be reached; `cause` is the client's error. */
export class StreamServiceError extends StreamError {
  readonly code = 'service';
}

export type AnyStreamError = StreamArgumentError | StreamServiceError;
/** The one guard: `isStreamError(e)`, or `isStreamError(e, 'service')` narrowed to StreamServiceError. */
export const isStreamError = errorGuard<AnyStreamError>('poc-redis-streams');

/** Argument checks that throw StreamArgumentError: `check.positiveInt('batchSize', v)`. */
export const check: ArgumentChecks = argumentChecks((p) => new StreamArgumentError(p.message));
/** Runs one Redis call; a client failure becomes a StreamServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new StreamServiceError(message, { cause }));
