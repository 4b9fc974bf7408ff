// Every error this package throws carries a scope and a code, so a caller can tell "the broker refused
// my message" from "the channel died before it answered" from "you passed prefetch -1" without
// matching message strings: `isWorkQueueError(e, 'not-confirmed')`.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type WorkQueueErrorCode = 'argument' | 'not-confirmed' | 'service';

/** Base of every error this package throws: `isWorkQueueError(e, code?)` tells them apart. */
export abstract class WorkQueueError extends PocError {
  readonly scope = 'poc-rabbitmq-work-queue';
  abstract override readonly code: WorkQueueErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class WorkQueueArgumentError extends WorkQueueError {
  readonly code = 'argument';
}

/**
 * Why the broker did not take responsibility for a message:
 * - `nacked`: it answered basic.nack (e.g. a full queue with `x-overflow: reject-publish`);
 * - `unroutable`: no queue took it (returned as mandatory; the queue was deleted);
 * - `closed`: the channel or connection closed before the broker answered — it may or may not have it.
 */
export type NotConfirmedReason = 'nacked' | 'unroutable' | 'closed';

/** A publish the broker did not confirm. `messageIds` lists every message of the call that was not confirmed. */
export class PublishNotConfirmedError extends WorkQueueError {
  readonly code = 'not-confirmed';
  readonly reason: NotConfirmedReason;
  readonly messageIds: readonly string[];
  constructor(message: string, reason: NotConfirmedReason, messageIds: readonly string[], options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
    this.messageIds = messageIds;
  }
}

/** RabbitMQ refused an operation or went away: declaring a queue, consuming, a channel that closed under a worker. */
export class WorkQueueServiceError extends WorkQueueError {
  readonly code = 'service';
}

export type AnyWorkQueueError = WorkQueueArgumentError | PublishNotConfirmedError | WorkQueueServiceError;

/** The one guard: `isWorkQueueError(e)`, or `isWorkQueueError(e, 'not-confirmed')` narrowed to PublishNotConfirmedError. */
export const isWorkQueueError = errorGuard<AnyWorkQueueError>('poc-rabbitmq-work-queue');

/** Argument checks that throw WorkQueueArgumentError: `check.positiveInt('prefetch', v)`. */
export const check: ArgumentChecks = argumentChecks((p) => new WorkQueueArgumentError(p.message));

/** Runs one broker call; a client failure becomes a WorkQueueServiceError naming what was being done. */
export const brokerCall = serviceCall((message, cause) => new WorkQueueServiceError(message, { cause }));
