// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells "the broker said no" (refused) from "nobody knows whether the broker has it" (unconfirmed)
// from bad input and a failed setup, with one guard: `isPublisherConfirmsError(e, 'refused')`.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type PublisherConfirmsErrorCode = 'argument' | 'service' | 'refused' | 'unconfirmed';

/** Base of every error this package throws: `isPublisherConfirmsError(e, code?)` tells them apart. */
export abstract class PublisherConfirmsError extends PocError {
  readonly scope = 'poc-rabbitmq-publisher-confirms';
  abstract override readonly code: PublisherConfirmsErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class PublisherConfirmsArgumentError extends PublisherConfirmsError {
  readonly code = 'argument';
}

/** Opening a connection or a channel, or the caller's setup, failed; `cause` is the client's error. */
export class PublisherConfirmsServiceError extends PublisherConfirmsError {
  readonly code = 'service';
}

/**
 * Why the broker answered but did not take the message:
 * - `nacked`: basic.nack (e.g. a full queue with `x-overflow: reject-publish`); publishing it again
 *   later may succeed;
 * - `returned`: no queue was bound for its routing key (a mandatory message came back as basic.return
 *   before its ack); publishing it again will not help until someone binds a queue.
 */
export type RefusedReason = 'nacked' | 'returned';

/** The broker answered and refused the message: it is certainly NOT stored. */
export class MessageRefusedError extends PublisherConfirmsError {
  readonly code = 'refused';
  readonly reason: RefusedReason;
  readonly messageId: string;
  constructor(message: string, reason: RefusedReason, messageId: string) {
    super(message);
    this.reason = reason;
    this.messageId = messageId;
  }
}

/**
 * Why no answer came, so the messages may or may not be stored:
 * - `unreachable`: the connection was lost and every reconnect attempt failed;
 * - `channel-error`: the broker closed the channel for a reason a re-publish would repeat (NOT_FOUND for
 *   a missing exchange, ACCESS_REFUSED ...);
 * - `closed`: close() was called before the broker answered.
 */
export type UnconfirmedReason = 'unreachable' | 'channel-error' | 'closed';

/** The broker never answered for these messages: they may or may not be stored (publish again, dedup by id). */
export class MessageUnconfirmedError extends PublisherConfirmsError {
  readonly code = 'unconfirmed';
  readonly reason: UnconfirmedReason;
  readonly messageIds: readonly string[];
  constructor(message: string, reason: UnconfirmedReason, messageIds: readonly string[], options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
    this.messageIds = messageIds;
  }
}

export type AnyPublisherConfirmsError =
  PublisherConfirmsArgumentError | PublisherConfirmsServiceError | MessageRefusedError | MessageUnconfirmedError;

/** The one guard: `isPublisherConfirmsError(e, code?)`; given a code, it narrows to that error's class. */
export const isPublisherConfirmsError = errorGuard<AnyPublisherConfirmsError>('poc-rabbitmq-publisher-confirms');

/** Argument checks that throw PublisherConfirmsArgumentError: `check.positiveInt('options.window', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new PublisherConfirmsArgumentError(p.message));

/** Runs one broker call; a client failure becomes a PublisherConfirmsServiceError naming what was being done. */
export const rabbitmqCall = serviceCall((message, cause) => new PublisherConfirmsServiceError(message, { cause }));
