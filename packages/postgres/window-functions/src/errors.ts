// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server with one guard. The reports have no failure mode of their
// own (a slow correlated query is still a correct one); cancellation rejects with the signal's reason.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type WindowFunctionsErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isWindowFunctionsError(e, code?)` tells them apart. */
export abstract class WindowFunctionsError extends PocError {
  readonly scope = 'poc-postgres-window-functions';
  abstract override readonly code: WindowFunctionsErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class WindowFunctionsArgumentError extends WindowFunctionsError {
  readonly code = 'argument';
}

/** The server failed or could not be reached; `cause` is pg's error (with its SQLSTATE in `code`). */
export class WindowFunctionsServiceError extends WindowFunctionsError {
  readonly code = 'service';
}

export type AnyWindowFunctionsError = WindowFunctionsArgumentError | WindowFunctionsServiceError;

/** The one guard: `isWindowFunctionsError(e, code?)`; given a code, it narrows to that error's class. */
export const isWindowFunctionsError = errorGuard<AnyWindowFunctionsError>('poc-postgres-window-functions');

/** Argument checks that throw WindowFunctionsArgumentError: `check.positiveInt('perGroup', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new WindowFunctionsArgumentError(p.message));

/** Runs one postgres call; a client failure becomes a WindowFunctionsServiceError naming what was being done. */
export const postgresCall = serviceCall((message, cause) => new WindowFunctionsServiceError(message, { cause }));
