// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server, and both from the one failure the naive MAX()+1 key has:
// two writers picked the same id (SQLSTATE 23505 on the primary key).
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type SequencesErrorCode = 'argument' | 'service' | 'duplicate-key';

/** Base of every error this package throws: `isSequencesError(e, code?)` tells them apart. */
export abstract class SequencesError extends PocError {
  readonly scope = 'poc-postgres-sequences';
  abstract override readonly code: SequencesErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class SequencesArgumentError extends SequencesError {
  readonly code = 'argument';
}

/** The server failed or could not be reached; `cause` is pg's error. */
export class SequencesServiceError extends SequencesError {
  readonly code = 'service';
}

/** The insert chose an id another transaction had already taken (23505): MAX()+1 under concurrency. */
export class DuplicateKeyError extends SequencesError {
  readonly code = 'duplicate-key';
  readonly table: string;
  constructor(table: string, cause: unknown) {
    super(
      `${table}: another transaction took the same id first (${cause instanceof Error ? cause.message : String(cause)})`,
      {
        cause,
      },
    );
    this.table = table;
  }
}

export type AnySequencesError = SequencesArgumentError | SequencesServiceError | DuplicateKeyError;

/** The one guard: `isSequencesError(e, code?)`; given a code, it narrows to that error's class. */
export const isSequencesError = errorGuard<AnySequencesError>('poc-postgres-sequences');

/** Argument checks that throw SequencesArgumentError: `check.positiveInt('rows', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new SequencesArgumentError(p.message));

/** Runs one postgres call; a client failure becomes a SequencesServiceError naming what was being done. */
export const postgresCall = serviceCall((message, cause) => new SequencesServiceError(message, { cause }));

/** SQLSTATE 23505, unique_violation. */
export const UNIQUE_VIOLATION = '23505';
export const isUniqueViolation = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && (e as { code?: unknown }).code === UNIQUE_VIOLATION;
