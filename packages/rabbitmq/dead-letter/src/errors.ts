// Every error this package throws carries a scope and a code, so a caller tells "you asked a classic queue
// for a delivery limit" from "this x-death header is not what RabbitMQ writes" from "the broker went away"
// with one guard: `isDeadLetterError(e, 'header')`.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type DeadLetterErrorCode = 'argument' | 'header' | 'service';

/** Base of every error this package throws: `isDeadLetterError(e, code?)` tells them apart. */
export abstract class DeadLetterError extends PocError {
  readonly scope = 'poc-rabbitmq-dead-letter';
  abstract override readonly code: DeadLetterErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class DeadLetterArgumentError extends DeadLetterError {
  readonly code = 'argument';
}

/**
 * A message's dead-letter headers (x-death, x-first-death-*) are not what RabbitMQ writes: the message
 * names the field by its path ("x-death[1].count") and the rule it broke. A forged or mangled header, or a
 * broker version with a field this parser does not know.
 */
export class DeadLetterHeaderError extends DeadLetterError {
  readonly code = 'header';
}

/** RabbitMQ refused an operation or went away: declaring, consuming, a channel that closed under a consumer. */
export class DeadLetterServiceError extends DeadLetterError {
  readonly code = 'service';
}

export type AnyDeadLetterError = DeadLetterArgumentError | DeadLetterHeaderError | DeadLetterServiceError;

/** The one guard: `isDeadLetterError(e, code?)`; given a code, it narrows to that error's class. */
export const isDeadLetterError = errorGuard<AnyDeadLetterError>('poc-rabbitmq-dead-letter');

/** Argument checks that throw DeadLetterArgumentError: `check.positiveInt('options.maxLength', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new DeadLetterArgumentError(p.message));

/** The same checks on a header's fields, throwing DeadLetterHeaderError. */
export const checkHeader: ArgumentChecks = argumentChecks((p) => new DeadLetterHeaderError(p.message));

/** Runs one broker call; a client failure becomes a DeadLetterServiceError naming what was being done. */
export const brokerCall = serviceCall((message, cause) => new DeadLetterServiceError(message, { cause }));
