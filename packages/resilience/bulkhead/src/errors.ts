// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a rejection by the bulkhead with one guard. A bulkhead that lets a call
// through never wraps that call's own error: it is rethrown unchanged; a caller aborted while queued gets
// its signal's reason, unchanged.
import { PocError, argumentChecks, errorGuard, type ArgumentChecks } from '@poc/kit';

export type BulkheadErrorCode = 'argument' | 'full';

/** Base of every error this package throws: `isBulkheadError(e, code?)` tells them apart. */
export abstract class BulkheadError extends PocError {
  readonly scope = 'poc-resilience-bulkhead';
  abstract override readonly code: BulkheadErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class BulkheadArgumentError extends BulkheadError {
  readonly code = 'argument';
}

/**
 * The call was refused without running: every slot busy and the queue full (`reason: 'queue-full'`), or
 * it waited in the queue for `queueTimeoutMs` without getting a slot (`reason: 'queue-timeout'`).
 */
export class BulkheadFullError extends BulkheadError {
  readonly code = 'full';
  readonly bulkhead: string;
  readonly reason: 'queue-full' | 'queue-timeout';
  readonly limit: number;
  readonly queue: number;
  constructor(bulkhead: string, reason: 'queue-full' | 'queue-timeout', limit: number, queue: number) {
    super(
      reason === 'queue-full'
        ? `bulkhead "${bulkhead}" is full: ${limit} running and ${queue} queued`
        : `bulkhead "${bulkhead}" gave no slot in time: the call waited its whole queue timeout`,
    );
    this.bulkhead = bulkhead;
    this.reason = reason;
    this.limit = limit;
    this.queue = queue;
  }
}

export type AnyBulkheadError = BulkheadArgumentError | BulkheadFullError;

/** The one guard: `isBulkheadError(e, code?)`; given a code, it narrows to that error's class. */
export const isBulkheadError = errorGuard<AnyBulkheadError>('poc-resilience-bulkhead');

/** Argument checks that throw BulkheadArgumentError: `check.positiveInt('options.limit', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new BulkheadArgumentError(p.message));
