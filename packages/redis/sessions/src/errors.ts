// Every error this package throws is a PocError with scope "poc-redis-sessions" and a code:
// `isSessionError(e, 'service')`. A bad or expired session id is NOT an error: it is an ordinary outcome
// of reading a cookie, and comes back as { ok: false, reason }.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type SessionErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isSessionError(e, code?)` tells them apart. */
export abstract class SessionError extends PocError {
  readonly scope = 'poc-redis-sessions';
  abstract override readonly code: SessionErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class SessionArgumentError extends SessionError {
  readonly code = 'argument';
}

/** Redis failed, could not be reached, or answered with something that is not a session; `cause` is the client's error. */
export class SessionServiceError extends SessionError {
  readonly code = 'service';
}

export type AnySessionError = SessionArgumentError | SessionServiceError;
/** The one guard: `isSessionError(e)`, or `isSessionError(e, 'service')` narrowed to SessionServiceError. */
export const isSessionError = errorGuard<AnySessionError>('poc-redis-sessions');

/** Argument checks that throw SessionArgumentError: `check.positiveInt('ttlMs', v)`. */
export const check: ArgumentChecks = argumentChecks((p) => new SessionArgumentError(p.message));
/** Runs Redis calls; a client failure (connection, WRONGTYPE, ...) becomes a SessionServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new SessionServiceError(message, { cause }));
