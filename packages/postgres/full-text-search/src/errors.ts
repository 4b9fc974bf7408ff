// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server with one guard.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type SearchErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isSearchError(e, code?)` tells them apart. */
export abstract class SearchError extends PocError {
  readonly scope = 'poc-postgres-full-text-search';
  abstract override readonly code: SearchErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. Thrown before any query. */
export class SearchArgumentError extends SearchError {
  readonly code = 'argument';
}

/** PostgreSQL failed or could not be reached (or rejected a statement); `cause` is pg's error. */
export class SearchServiceError extends SearchError {
  readonly code = 'service';
}

export type AnySearchError = SearchArgumentError | SearchServiceError;

/** The one guard: `isSearchError(e, code?)`; given a code, it narrows to that error's class. */
export const isSearchError = errorGuard<AnySearchError>('poc-postgres-full-text-search');

/** Argument checks that throw SearchArgumentError: `check.positiveInt('options.limit', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new SearchArgumentError(p.message));

/** Runs one PostgreSQL call; a client failure becomes a SearchServiceError naming what was being done. */
export const postgresCall = serviceCall((message, cause) => new SearchServiceError(message, { cause }));
