// Every error this package throws carries a brand and a code. A bad or expired session id is NOT an
// error: it is an ordinary outcome of reading a cookie, and comes back as { ok: false, reason }.

const brand = Symbol.for('poc.redis-sessions.error');

export type SessionErrorCode = 'argument' | 'service';

export abstract class SessionError extends Error {
  readonly [brand] = true;
  abstract readonly code: SessionErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class SessionArgumentError extends SessionError {
  readonly code = 'argument';
}

/** Redis failed, could not be reached, or answered with something that is not a session; `cause` is the client's error. */
export class SessionServiceError extends SessionError {
  readonly code = 'service';
}

export const isSessionError = (e: unknown): e is SessionError =>
  typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[brand] === true;
export const isSessionArgumentError = (e: unknown): e is SessionArgumentError =>
  isSessionError(e) && e.code === 'argument';
export const isSessionServiceError = (e: unknown): e is SessionServiceError =>
  isSessionError(e) && e.code === 'service';

// --- argument checks -----------------------------------------------------------------------------

const show = (v: unknown): string =>
  typeof v === 'string'
    ? `"${v}"`
    : v === null
      ? 'null'
      : typeof v === 'object' || typeof v === 'function'
        ? typeof v
        : String(v);

export function requireArg(ok: boolean, name: string, rule: string, value: unknown): asserts ok {
  if (!ok) throw new SessionArgumentError(`${name} ${rule} (got ${show(value)})`);
}

/** Runs Redis calls and turns a client failure (connection, WRONGTYPE, ...) into a SessionServiceError saying what was being done. */
export async function redisCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (isSessionError(e)) throw e;
    throw new SessionServiceError(`${what} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
