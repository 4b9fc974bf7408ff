// This package's domain errors, on the shared kit: each carries the package's scope and a code, so a
// caller tells "you passed a bad option" from "Redis failed" with isPubSubError(e, code), not by message.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type PubSubErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isPubSubError(e, code?)` tells them apart. */
export abstract class PubSubError extends PocError {
  readonly scope = 'poc-redis-pubsub';
  abstract override readonly code: PubSubErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class PubSubArgumentError extends PubSubError {
  readonly code = 'argument';
}

/** Redis failed or could not be reached; `cause` is the client's error. */
export class PubSubServiceError extends PubSubError {
  readonly code = 'service';
}

export type AnyPubSubError = PubSubArgumentError | PubSubServiceError;
/** The one guard: `isPubSubError(e)`, or `isPubSubError(e, 'service')` narrowed to PubSubServiceError. */
export const isPubSubError = errorGuard<AnyPubSubError>('poc-redis-pubsub');

/** Argument checks that throw PubSubArgumentError: `check.positiveInt('maxLen', v)`. */
export const check: ArgumentChecks = argumentChecks((p) => new PubSubArgumentError(p.message));
/** Runs one Redis call; a client failure becomes a PubSubServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new PubSubServiceError(message, { cause }));
