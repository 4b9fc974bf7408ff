// The errors this package throws, on the shared kit: bad input, and a leak found by assertNoLeaks(). The
// fix (withClient) never wraps the handler's error: it releases the client and rethrows the error unchanged.
import { PocError, argumentChecks, errorGuard, type ArgumentChecks } from '@poc/kit';
import type { LeakReport } from './leak-detector.ts';

export type ConnectionLeakErrorCode = 'argument' | 'leak';

/** Base of every error this package throws: `isConnectionLeakError(e, code?)` tells them apart. */
export abstract class ConnectionLeakError extends PocError {
  readonly scope = 'poc-resilience-connection-leak';
  abstract override readonly code: ConnectionLeakErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class ConnectionLeakArgumentError extends ConnectionLeakError {
  readonly code = 'argument';
}

/**
 * assertNoLeaks() found clients still checked out: `checkedOut` is how many; `leaks` names where each was
 * checked out when the pool has a leakDetector (empty otherwise).
 */
export class LeakError extends ConnectionLeakError {
  readonly code = 'leak';
  readonly checkedOut: number;
  readonly leaks: LeakReport[];
  constructor(checkedOut: number, leaks: LeakReport[]) {
    const where =
      leaks.length > 0
        ? `: ${leaks.map((l) => `checked out at ${l.site}`).join('; ')}`
        : ' (attach a leakDetector to the pool to see where they were checked out)';
    super(`${checkedOut} client${checkedOut === 1 ? '' : 's'} still checked out${where}`);
    this.checkedOut = checkedOut;
    this.leaks = leaks;
  }
}

export type AnyConnectionLeakError = ConnectionLeakArgumentError | LeakError;

/** The one guard: `isConnectionLeakError(e, code?)`; given a code, it narrows to that error's class. */
export const isConnectionLeakError = errorGuard<AnyConnectionLeakError>('poc-resilience-connection-leak');

/** Argument checks that throw ConnectionLeakArgumentError: `check.positiveInt('options.maxCheckoutMs', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new ConnectionLeakArgumentError(p.message));

/** A client or a clock is recognised by its methods, so a copy of its library in another package passes too. */
export const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
