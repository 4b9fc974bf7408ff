// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server, and both from the saga's own outcomes, with one guard.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type RollbackErrorCode = 'argument' | 'service' | 'busy' | 'lost' | 'mismatch';

/** Base of every error this package throws: `isRollbackError(e, code?)` tells them apart. */
export abstract class RollbackError extends PocError {
  readonly scope = 'poc-redis-rollback';
  abstract override readonly code: RollbackErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. Nothing was written. */
export class RollbackArgumentError extends RollbackError {
  readonly code = 'argument';
}

/**
 * A server failed or could not be reached; `cause` is the client's error. The saga may be half-done: its
 * undo log says which steps ran, and recover() finishes it once its lease has run out.
 */
export class RollbackServiceError extends RollbackError {
  readonly code = 'service';
}

/** run() was given the id of a saga that another owner is still running or compensating. */
export class SagaBusyError extends RollbackError {
  readonly code = 'busy';
  readonly sagaId: string;
  readonly state: string;
  constructor(sagaId: string, state: string) {
    super(`saga "${sagaId}" is already ${state} under another owner`);
    this.sagaId = sagaId;
    this.state = state;
  }
}

/**
 * Recovery took the saga over while this caller still ran it (its lease had run out), or its log is
 * gone: the step it was about to take was refused, and the saga is its new owner's to finish.
 */
export class SagaLostError extends RollbackError {
  readonly code = 'lost';
  readonly sagaId: string;
  /** The saga's state as the refusing script found it. */
  readonly state: string;
  constructor(sagaId: string, state: string, at: string) {
    super(
      state === 'gone'
        ? `saga "${sagaId}" has no log any more before ${at} (expired, deleted, or lost with the server's data)`
        : `saga "${sagaId}" was taken over before ${at}: it is ${state} under another owner (its lease ran out)`,
    );
    this.sagaId = sagaId;
    this.state = state;
  }
}

/** The undo log does not match the step definitions it is compensated with (the steps changed while it ran). */
export class UndoLogMismatchError extends RollbackError {
  readonly code = 'mismatch';
  readonly sagaId: string;
  /** The step (from 1) where log and definitions part. */
  readonly index: number;
  constructor(sagaId: string, index: number, detail: string) {
    super(
      `the undo log of saga "${sagaId}" does not match its step definitions at step ${index}: ${detail} ` +
        '(were the steps changed while it ran?)',
    );
    this.sagaId = sagaId;
    this.index = index;
  }
}

export type AnyRollbackError =
  RollbackArgumentError | RollbackServiceError | SagaBusyError | SagaLostError | UndoLogMismatchError;

/** The one guard: `isRollbackError(e, code?)`; given a code, it narrows to that error's class. */
export const isRollbackError = errorGuard<AnyRollbackError>('poc-redis-rollback');

/** Argument checks that throw RollbackArgumentError: `check.positiveInt('options.leaseMs', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new RollbackArgumentError(p.message));

/** Runs one redis call; a client failure becomes a RollbackServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new RollbackServiceError(message, { cause }));
