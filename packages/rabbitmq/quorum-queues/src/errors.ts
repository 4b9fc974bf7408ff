// Every error this package throws carries a scope and a code, so a caller tells "the cluster has no
// quorum for this queue" from "no node could be reached" from "you passed prefetch -1" with one guard:
// `isQuorumQueuesError(e, 'not-confirmed')`.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type QuorumQueuesErrorCode = 'argument' | 'not-confirmed' | 'unavailable' | 'service';

/** Base of every error this package throws: `isQuorumQueuesError(e, code?)` tells them apart. */
export abstract class QuorumQueuesError extends PocError {
  readonly scope = 'poc-rabbitmq-quorum-queues';
  abstract override readonly code: QuorumQueuesErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class QuorumQueuesArgumentError extends QuorumQueuesError {
  readonly code = 'argument';
}

/**
 * Why a publish was not confirmed within its time budget:
 * - `nacked`: the broker answered basic.nack on every try (a quorum queue with no leader, during an
 *   election or with a majority of its members down; a full queue with x-overflow reject-publish);
 * - `unroutable`: no queue took it (returned as mandatory: was the queue deleted?);
 * - `timeout`: no answer at all before the budget ran out (a frozen node, a link that drops data);
 * - `unavailable`: no node accepted a connection and the queue's declaration before the budget ran out.
 * In every case but `unroutable` the message may or may not be stored: publish it again with the same
 * messageId and let the consumer drop the duplicate.
 */
export type NotConfirmedReason = 'nacked' | 'unroutable' | 'timeout' | 'unavailable';

/** A publish the broker did not confirm in time; says why, how many times it was sent, and through which node last. */
export class PublishNotConfirmedError extends QuorumQueuesError {
  readonly code = 'not-confirmed';
  readonly reason: NotConfirmedReason;
  readonly messageId: string;
  /** Times the message was handed to a broker (0 when no node could take it). */
  readonly attempts: number;
  constructor(
    message: string,
    details: { reason: NotConfirmedReason; messageId: string; attempts: number },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.reason = details.reason;
    this.messageId = details.messageId;
    this.attempts = details.attempts;
  }
}

/** What one node answered when asked for a connection and the queue. */
export interface NodeFailure {
  /** host:port (the URL without its credentials). */
  readonly node: string;
  readonly error: string;
}

/**
 * No node of the list gave a channel on which the queue could be declared: every node refused the
 * connection, or the ones that answered refused the queue (a classic queue whose home node is down
 * answers 404 NOT_FOUND "home node ... is down or inaccessible"). `failures` holds each node's last answer.
 */
export class QueueUnavailableError extends QuorumQueuesError {
  readonly code = 'unavailable';
  readonly queue: string;
  readonly failures: readonly NodeFailure[];
  constructor(message: string, queue: string, failures: readonly NodeFailure[], options?: ErrorOptions) {
    super(message, options);
    this.queue = queue;
    this.failures = failures;
  }
}

/** RabbitMQ refused an operation that is not covered above; `cause` is the client's error. */
export class QuorumQueuesServiceError extends QuorumQueuesError {
  readonly code = 'service';
}

export type AnyQuorumQueuesError =
  QuorumQueuesArgumentError | PublishNotConfirmedError | QueueUnavailableError | QuorumQueuesServiceError;

/** The one guard: `isQuorumQueuesError(e)`, or `isQuorumQueuesError(e, 'not-confirmed')` narrowed to PublishNotConfirmedError. */
export const isQuorumQueuesError = errorGuard<AnyQuorumQueuesError>('poc-rabbitmq-quorum-queues');

/** Argument checks that throw QuorumQueuesArgumentError: `check.positiveInt('options.timeoutMs', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new QuorumQueuesArgumentError(p.message));

/** Runs one broker call; a client failure becomes a QuorumQueuesServiceError naming what was being done. */
export const rabbitmqCall = serviceCall((message, cause) => new QuorumQueuesServiceError(message, { cause }));
