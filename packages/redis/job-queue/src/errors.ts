// This package's domain errors, on the shared kit: each carries the package's scope and a code, so a
// caller tells "you passed a bad option" from "Redis is down" with isQueueError(e, code), not by message.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type QueueErrorCode = 'argument' | 'duplicate' | 'service';

/** Base of every error this package throws: `isQueueError(e, code?)` tells them apart. */
export abstract class QueueError extends PocError {
  readonly scope = 'poc-redis-job-queue';
  abstract override readonly code: QueueErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class QueueArgumentError extends QueueError {
  readonly code = 'argument';
}

/** enqueue() was given an id that a job still in the queue already has. */
export class DuplicateJobError extends QueueError {
  readonly code = 'duplicate';
}

/** Redis failed or could not be reached; `cause` is the client's error. */
export class QueueServiceError extends QueueError {
  readonly code = 'service';
}

export type AnyQueueError = QueueArgumentError | DuplicateJobError | QueueServiceError;
/** The one guard: `isQueueError(e)`, or `isQueueError(e, 'service')` narrowed to QueueServiceError. */
export const isQueueError = errorGuard<AnyQueueError>('poc-redis-job-queue');

/** Argument checks that throw QueueArgumentError: `check.positiveInt('maxAttempts', v)`. */
export const check: ArgumentChecks = argumentChecks((p) => new QueueArgumentError(p.message));
/** Runs one Redis call; a client failure becomes a QueueServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new QueueServiceError(message, { cause }));

/** Names end up inside Redis keys: keep them short and free of separators and hash-tag braces. */
export function requireName(argument: string, value: unknown): asserts value is string {
  check.that(
    typeof value === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(value),
    argument,
    'must be 1-64 characters of [A-Za-z0-9_.-]',
    value,
  );
}
