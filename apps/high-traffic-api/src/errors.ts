// The errors the library throws, on the shared kit; HTTP problems are separate (app.ts). A caller tells
// them apart with one guard, `isApiError(e, 'argument')`.
import { PocError, argumentChecks, errorGuard, type ArgumentChecks } from '@poc/kit';

export type ApiErrorCode = 'argument';

/** Base of every error this package throws: `isApiError(e, code?)` tells them apart. */
export abstract class ApiError extends PocError {
  readonly scope = 'high-traffic-api';
  abstract override readonly code: ApiErrorCode;
}

/** createApp / seedCatalog / the server's environment broke a stated rule; the message names it, the rule and the value. */
export class ApiArgumentError extends ApiError {
  readonly code = 'argument';
}

export type AnyApiError = ApiArgumentError;

/** The one guard: `isApiError(e)`, or `isApiError(e, 'argument')` narrowed to ApiArgumentError. */
export const isApiError = errorGuard<AnyApiError>('high-traffic-api');

/** Argument checks that throw ApiArgumentError: `check.positiveInt('products', v)`. */
export const check: ArgumentChecks = argumentChecks((p) => new ApiArgumentError(p.message));
