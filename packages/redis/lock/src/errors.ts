// Every error this package throws carries a brand and a code, so callers can tell "the lock is gone"
// from "Redis is down" from "you passed a bad TTL" without matching message strings.

const brand = Symbol.for('poc.redis-lock.error');

export type LockErrorCode = 'argument' | 'timeout' | 'aborted' | 'lost' | 'stale-token' | 'service';

export abstract class LockError extends Error {
  readonly [brand] = true;
  abstract readonly code: LockErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class LockArgumentError extends LockError {
  readonly code = 'argument';
}

/** acquire() kept finding the lock held by another owner until acquireTimeoutMs ran out. */
export class LockTimeoutError extends LockError {
  readonly code = 'timeout';
}

/** acquire() was cancelled through its AbortSignal; `cause` is the signal's reason. */
export class LockAbortedError extends LockError {
  readonly code = 'aborted';
}

/** The lock expired or was taken by another owner while its holder still worked under it. */
export class LockLostError extends LockError {
  readonly code = 'lost';
}

/** A fenced resource refused a write whose fencing token is older than one it has already accepted. */
export class StaleTokenError extends LockError {
  readonly code = 'stale-token';
  readonly token: number;
  readonly highest: number;
  constructor(message: string, token: number, highest: number) {
    super(message);
    this.token = token;
    this.highest = highest;
  }
}

/** Redis failed or could not be reached; `cause` is the client's error. */
export class LockServiceError extends LockError {
  readonly code = 'service';
}

export const isLockError = (e: unknown): e is LockError =>
  typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[brand] === true;
export const isLockLostError = (e: unknown): e is LockLostError => isLockError(e) && e.code === 'lost';
export const isStaleTokenError = (e: unknown): e is StaleTokenError => isLockError(e) && e.code === 'stale-token';
export const isLockServiceError = (e: unknown): e is LockServiceError => isLockError(e) && e.code === 'service';

// --- argument checks -----------------------------------------------------------------------------

const show = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : String(v));

export function requireArg(ok: boolean, name: string, rule: string, value: unknown): asserts ok {
  if (!ok) throw new LockArgumentError(`${name} ${rule} (got ${show(value)})`);
}

/** Like requireArg, but reports the value's type rather than the value (clients, functions, payloads). */
export function requireKind(ok: boolean, name: string, rule: string, value: unknown): asserts ok {
  if (!ok) throw new LockArgumentError(`${name} ${rule} (got ${value === null ? 'null' : typeof value})`);
}

export function requirePositiveInt(name: string, value: unknown): asserts value is number {
  requireArg(Number.isSafeInteger(value) && (value as number) > 0, name, 'must be a positive integer', value);
}

export function requireNonNegativeInt(name: string, value: unknown): asserts value is number {
  requireArg(Number.isSafeInteger(value) && (value as number) >= 0, name, 'must be a non-negative integer', value);
}

export function requireName(name: string, value: unknown): asserts value is string {
  requireArg(typeof value === 'string' && value.length > 0, name, 'must be a non-empty string', value);
}

/** Runs one Redis call and turns a client failure into a LockServiceError that says what was being done. */
export async function redisCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (isLockError(e)) throw e;
    throw new LockServiceError(`${what} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
