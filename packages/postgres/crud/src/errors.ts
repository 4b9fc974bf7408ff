// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server with one guard. HTTP clients never see these: the service
// turns every failure into an RFC 9457 problem (src/problems.ts).
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type CrudErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isCrudError(e, code?)` tells them apart. */
export abstract class CrudError extends PocError {
  readonly scope = 'poc-postgres-crud';
  abstract override readonly code: CrudErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class CrudArgumentError extends CrudError {
  readonly code = 'argument';
}

/** A server failed or could not be reached; `cause` is the client's error (its SQLSTATE, if any, in `sqlState`). */
export class CrudServiceError extends CrudError {
  readonly code = 'service';
  get sqlState(): string | undefined {
    return sqlState(this.cause);
  }
}

export type AnyCrudError = CrudArgumentError | CrudServiceError;

/** The one guard: `isCrudError(e, code?)`; given a code, it narrows to that error's class. */
export const isCrudError = errorGuard<AnyCrudError>('poc-postgres-crud');

/** Argument checks that throw CrudArgumentError: `check.positiveInt('options.maxLimit', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new CrudArgumentError(p.message));

/** Runs one postgres call; a client failure becomes a CrudServiceError naming what was being done. */
export const postgresCall = serviceCall((message, cause) => new CrudServiceError(message, { cause }));

/** SQLSTATE 23505: a unique constraint refused the row. */
export const UNIQUE_VIOLATION = '23505';

/** The SQLSTATE of a server error (pg puts it in `code`); undefined for anything else. */
export function sqlState(e: unknown): string | undefined {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}
