// Every error this package throws carries a scope and a code, so a caller tells "you declared a binding on
// an exchange that is not in the topology" from "the broker nacked the message" from "the channel died"
// with one guard: `isExchangesError(e, 'nacked')`.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type ExchangesErrorCode = 'argument' | 'nacked' | 'service';

/** Base of every error this package throws: `isExchangesError(e, code?)` tells them apart. */
export abstract class ExchangesError extends PocError {
  readonly scope = 'poc-rabbitmq-exchanges';
  abstract override readonly code: ExchangesErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class ExchangesArgumentError extends ExchangesError {
  readonly code = 'argument';
}

/** The broker answered basic.nack: it did not take responsibility for the message (an internal error, a full queue). */
export class PublishNackedError extends ExchangesError {
  readonly code = 'nacked';
  readonly messageId: string;
  constructor(message: string, messageId: string, options?: ErrorOptions) {
    super(message, options);
    this.messageId = messageId;
  }
}

/** RabbitMQ refused an operation or went away (declaring, binding, a channel that closed before a confirm). */
export class ExchangesServiceError extends ExchangesError {
  readonly code = 'service';
}

export type AnyExchangesError = ExchangesArgumentError | PublishNackedError | ExchangesServiceError;

/** The one guard: `isExchangesError(e, code?)`; given a code, it narrows to that error's class. */
export const isExchangesError = errorGuard<AnyExchangesError>('poc-rabbitmq-exchanges');

/** Argument checks that throw ExchangesArgumentError: `check.name('exchange', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new ExchangesArgumentError(p.message));

/** Runs one broker call; a client failure becomes an ExchangesServiceError naming what was being done. */
export const brokerCall = serviceCall((message, cause) => new ExchangesServiceError(message, { cause }));
