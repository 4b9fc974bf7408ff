// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server (and from the pattern's own failures) with one guard.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type HttpCachingErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isHttpCachingError(e, code?)` tells them apart. */
export abstract class HttpCachingError extends PocError {
  readonly scope = 'poc-caching-http-caching';
  abstract override readonly code: HttpCachingErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class HttpCachingArgumentError extends HttpCachingError {
  readonly code = 'argument';
}

/** A server failed or could not be reached; `cause` is the client's error. */
export class HttpCachingServiceError extends HttpCachingError {
  readonly code = 'service';
}

export type AnyHttpCachingError = HttpCachingArgumentError | HttpCachingServiceError;

/** The one guard: `isHttpCachingError(e, code?)`; given a code, it narrows to that error's class. */
export const isHttpCachingError = errorGuard<AnyHttpCachingError>('poc-caching-http-caching');

/** Argument checks that throw HttpCachingArgumentError: `check.positiveInt('options.ttlMs', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new HttpCachingArgumentError(p.message));

/** Runs one postgres call; a client failure becomes a HttpCachingServiceError naming what was being done. */
export const postgresCall = serviceCall((message, cause) => new HttpCachingServiceError(message, { cause }));
