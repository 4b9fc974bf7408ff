// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server with one guard. An aborted build rejects with the
// signal's reason (as fetch does), not with an error of ours.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type IndexTypesErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isIndexTypesError(e, code?)` tells them apart. */
export abstract class IndexTypesError extends PocError {
  readonly scope = 'poc-postgres-index-types';
  abstract override readonly code: IndexTypesErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. Thrown before any query. */
export class IndexTypesArgumentError extends IndexTypesError {
  readonly code = 'argument';
}

/** PostgreSQL failed or could not be reached; `cause` is pg's error (with its SQLSTATE in `code`). */
export class IndexTypesServiceError extends IndexTypesError {
  readonly code = 'service';
}

export type AnyIndexTypesError = IndexTypesArgumentError | IndexTypesServiceError;

/** The one guard: `isIndexTypesError(e, code?)`; given a code, it narrows to that error's class. */
export const isIndexTypesError = errorGuard<AnyIndexTypesError>('poc-postgres-index-types');

/** Argument checks that throw IndexTypesArgumentError: `check.positiveInt('options.rows', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new IndexTypesArgumentError(p.message));

/** Runs one PostgreSQL call; a client failure becomes an IndexTypesServiceError naming what was being done. */
export const postgresCall = serviceCall((message, cause) => new IndexTypesServiceError(message, { cause }));
