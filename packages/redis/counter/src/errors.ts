// The errors this package throws, on the shared kit: "you passed a bad argument" and "Redis failed"
// are different problems, and callers branch on them with one guard, `isCounterError(e, 'service')`,
// without matching strings.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type CounterErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isCounterError(e, code?)` tells them apart. */
export abstract class CounterError extends PocError {
  readonly scope = 'poc-redis-counter';
  abstract override readonly code: CounterErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. Nothing was sent. */
export class CounterArgumentError extends CounterError {
  readonly code = 'argument';
}

/** Redis failed or refused the command; `cause` is the client's error. The increment may not have happened. */
export class CounterServiceError extends CounterError {
  readonly code = 'service';
}

export type AnyCounterError = CounterArgumentError | CounterServiceError;

/** The one guard: `isCounterError(e)`, or `isCounterError(e, 'service')` narrowed to CounterServiceError. */
export const isCounterError = errorGuard<AnyCounterError>('poc-redis-counter');

/** Argument checks that throw CounterArgumentError: `check.positiveInt('by', v)`. */
export const check: ArgumentChecks = argumentChecks((p) => new CounterArgumentError(p.message));

/** A counter name: what Redis and the SQL row accept as a key, kept short. */
export function requireName(value: unknown): asserts value is string {
  check.that(
    typeof value === 'string' && value.length > 0 && value.length <= 512,
    'name',
    'must be a non-empty string of at most 512 characters',
    value,
  );
}

/** An ioredis client, or anything with the methods a factory calls. */
export function requireClient(value: unknown, ...methods: string[]): void {
  const ok =
    typeof value === 'object' &&
    value !== null &&
    methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
  check.kind(ok, 'redis', `must be an ioredis client (with ${methods.join(', ')})`, value);
}

/** Runs one Redis call; a client failure becomes a CounterServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new CounterServiceError(message, { cause }));
