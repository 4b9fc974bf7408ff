// The errors this package throws, on the shared kit: only bad input. The instruments never wrap pg's own
// errors: a checkout that times out still rejects with pg's "timeout exceeded when trying to connect",
// unchanged, and is counted on the way.
import { PocError, argumentChecks, errorGuard, type ArgumentChecks } from '@poc/kit';

export type PoolSizingErrorCode = 'argument';

/** Base of every error this package throws: `isPoolSizingError(e, code?)` tells them apart. */
export abstract class PoolSizingError extends PocError {
  readonly scope = 'poc-resilience-pool-sizing';
  abstract override readonly code: PoolSizingErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class PoolSizingArgumentError extends PoolSizingError {
  readonly code = 'argument';
}

export type AnyPoolSizingError = PoolSizingArgumentError;

/** The one guard: `isPoolSizingError(e, code?)`; given a code, it narrows to that error's class. */
export const isPoolSizingError = errorGuard<AnyPoolSizingError>('poc-resilience-pool-sizing');

/** Argument checks that throw PoolSizingArgumentError: `check.positiveInt('options.forMs', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new PoolSizingArgumentError(p.message));

/** A client or a clock is recognised by its methods, so a copy of its library in another package passes too. */
export const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
