// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server with one guard. The HTTP answers of the pattern (400, 409,
// 422) are replies, not errors: the route wrapper sends them itself.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type IdempotencyKeysErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isIdempotencyKeysError(e, code?)` tells them apart. */
export abstract class IdempotencyKeysError extends PocError {
  readonly scope = 'poc-resilience-idempotency-keys';
  abstract override readonly code: IdempotencyKeysErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class IdempotencyKeysArgumentError extends IdempotencyKeysError {
  readonly code = 'argument';
}

/** PostgreSQL failed or could not be reached; `cause` is the client's error. The transaction rolled back. */
export class IdempotencyKeysServiceError extends IdempotencyKeysError {
  readonly code = 'service';
}

export type AnyIdempotencyKeysError = IdempotencyKeysArgumentError | IdempotencyKeysServiceError;

/** The one guard: `isIdempotencyKeysError(e, code?)`; given a code, it narrows to that error's class. */
export const isIdempotencyKeysError = errorGuard<AnyIdempotencyKeysError>('poc-resilience-idempotency-keys');

/** Argument checks that throw IdempotencyKeysArgumentError: `check.positiveInt('options.ttlMs', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new IdempotencyKeysArgumentError(p.message));

/** Runs one postgres call; a client failure becomes an IdempotencyKeysServiceError naming what was being done. */
export const postgresCall = serviceCall((message, cause) => new IdempotencyKeysServiceError(message, { cause }));
