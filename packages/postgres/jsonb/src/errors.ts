// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server with one guard.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type JsonbErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isJsonbError(e, code?)` tells them apart. */
export abstract class JsonbError extends PocError {
  readonly scope = 'poc-postgres-jsonb';
  abstract override readonly code: JsonbErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. Thrown before any query. */
export class JsonbArgumentError extends JsonbError {
  readonly code = 'argument';
}

/** PostgreSQL failed or could not be reached (or rejected a statement); `cause` is pg's error. */
export class JsonbServiceError extends JsonbError {
  readonly code = 'service';
}

export type AnyJsonbError = JsonbArgumentError | JsonbServiceError;

/** The one guard: `isJsonbError(e, code?)`; given a code, it narrows to that error's class. */
export const isJsonbError = errorGuard<AnyJsonbError>('poc-postgres-jsonb');

/** Argument checks that throw JsonbArgumentError: `check.positiveInt('options.rows', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new JsonbArgumentError(p.message));

/** Runs one PostgreSQL call; a client failure becomes a JsonbServiceError naming what was being done. */
export const postgresCall = serviceCall((message, cause) => new JsonbServiceError(message, { cause }));
