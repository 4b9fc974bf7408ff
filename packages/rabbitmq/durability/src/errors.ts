// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed broker call from "the broker did not confirm these messages" with
// one guard: `isDurabilityError(e, 'not-confirmed')`.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type DurabilityErrorCode = 'argument' | 'service' | 'not-confirmed';

/** Base of every error this package throws: `isDurabilityError(e, code?)` tells them apart. */
export abstract class DurabilityError extends PocError {
  readonly scope = 'poc-rabbitmq-durability';
  abstract override readonly code: DurabilityErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class DurabilityArgumentError extends DurabilityError {
  readonly code = 'argument';
}

/** A broker call failed (declaring, reading a queue, a closed channel); `cause` is the client's error. */
export class DurabilityServiceError extends DurabilityError {
  readonly code = 'service';
}

/**
 * Why a publish with confirms ended without every confirm:
 * - `nacked`: the broker refused a message (it is not stored);
 * - `closed`: the channel or connection closed first (a message without a confirm may or may not be stored).
 */
export type NotConfirmedReason = 'nacked' | 'closed';

/**
 * Some messages of a publish were not confirmed. `confirmed` lists the ids the broker did confirm before
 * that (they are stored as durably as the queue and message settings say); `unconfirmed` lists the rest,
 * including those never sent.
 */
export class PublishNotConfirmedError extends DurabilityError {
  readonly code = 'not-confirmed';
  readonly reason: NotConfirmedReason;
  readonly confirmed: readonly string[];
  readonly unconfirmed: readonly string[];
  constructor(
    message: string,
    reason: NotConfirmedReason,
    confirmed: readonly string[],
    unconfirmed: readonly string[],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.reason = reason;
    this.confirmed = confirmed;
    this.unconfirmed = unconfirmed;
  }
}

export type AnyDurabilityError = DurabilityArgumentError | DurabilityServiceError | PublishNotConfirmedError;

/** The one guard: `isDurabilityError(e, code?)`; given a code, it narrows to that error's class. */
export const isDurabilityError = errorGuard<AnyDurabilityError>('poc-rabbitmq-durability');

/** Argument checks that throw DurabilityArgumentError: `check.positiveInt('options.window', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new DurabilityArgumentError(p.message));

/** Runs one broker call; a client failure becomes a DurabilityServiceError naming what was being done. */
export const rabbitmqCall = serviceCall((message, cause) => new DurabilityServiceError(message, { cause }));
