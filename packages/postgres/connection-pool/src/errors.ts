// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input, a full pool, a server that refuses connections and a failed server apart with
// one guard, `isPoolError(e, code?)`.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type PoolErrorCode = 'argument' | 'timeout' | 'refused' | 'service';

/** Base of every error this package throws: `isPoolError(e, code?)` tells them apart. */
export abstract class PoolError extends PocError {
  readonly scope = 'poc-postgres-connection-pool';
  abstract override readonly code: PoolErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class PoolArgumentError extends PoolError {
  readonly code = 'argument';
}

/** What the pool looked like when an acquire failed: enough to tell "too small" from "stuck". */
export interface PoolSnapshot {
  /** The pool's size (pg.Pool's `max`). */
  poolSize: number;
  /** Connections checked out. */
  inUse: number;
  /** Callers queued for a connection, this one included. */
  waiting: number;
}

/**
 * No connection became free within `acquireTimeoutMs`: the pool is exhausted (every connection checked
 * out for longer than callers will wait). Carries the wait and the pool's state, so the caller can answer
 * 503 with Retry-After instead of hanging, and an operator can see which of the two numbers to change.
 */
export class PoolTimeoutError extends PoolError {
  readonly code = 'timeout';
  readonly waitedMs: number;
  readonly poolSize: number;
  readonly inUse: number;
  readonly waiting: number;
  constructor(waitedMs: number, snapshot: PoolSnapshot) {
    super(
      `no connection free after waiting ${Math.round(waitedMs)} ms: all ${snapshot.poolSize} of the pool's connections in use, ${snapshot.waiting} caller(s) waiting`,
    );
    this.waitedMs = waitedMs;
    this.poolSize = snapshot.poolSize;
    this.inUse = snapshot.inUse;
    this.waiting = snapshot.waiting;
  }
}

/**
 * The server refused a new connection because it has no slot left (SQLSTATE 53300, "sorry, too many
 * clients already"): the pools of every process together ask for more than `max_connections`. Not
 * retried here: waiting would hide a sizing error that only gets worse under load.
 */
export class PoolRefusedError extends PoolError {
  readonly code = 'refused';
  readonly sqlState: string;
  readonly poolSize: number;
  readonly inUse: number;
  constructor(cause: unknown, sqlState: string, snapshot: PoolSnapshot) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      `the server refused a new connection (${sqlState}: ${reason}) with ${snapshot.inUse} of this pool's ${snapshot.poolSize} connections open or opening: the pools together ask for more than max_connections`,
      { cause },
    );
    this.sqlState = sqlState;
    this.poolSize = snapshot.poolSize;
    this.inUse = snapshot.inUse;
  }
}

/** A server failed or could not be reached; `cause` is the client's error. */
export class PoolServiceError extends PoolError {
  readonly code = 'service';
}

export type AnyPoolError = PoolArgumentError | PoolTimeoutError | PoolRefusedError | PoolServiceError;

/** The one guard: `isPoolError(e, code?)`; given a code, it narrows to that error's class. */
export const isPoolError = errorGuard<AnyPoolError>('poc-postgres-connection-pool');

/** Argument checks that throw PoolArgumentError: `check.positiveInt('options.acquireTimeoutMs', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new PoolArgumentError(p.message));

/** Runs one postgres call; a client failure becomes a PoolServiceError naming what was being done. */
export const postgresCall = serviceCall((message, cause) => new PoolServiceError(message, { cause }));

/** SQLSTATE 53300 too_many_connections: the server has no connection slot left. */
export const TOO_MANY_CONNECTIONS = '53300';

/** The SQLSTATE of a server error (pg puts it in `code`); undefined for anything else. */
export function sqlState(e: unknown): string | undefined {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}
