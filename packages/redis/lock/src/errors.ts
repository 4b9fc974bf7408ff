// The errors this package throws, on the shared kit: each carries the package's scope and a code, so
// callers tell "the lock is gone" from "Redis is down" from "you passed a bad TTL" with one guard,
// `isLockError(e, 'lost')`, without matching message strings.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';
import type { Redis } from 'ioredis';

export type LockErrorCode = 'argument' | 'timeout' | 'aborted' | 'lost' | 'stale-token' | 'service';

/** Base of every error this package throws: `isLockError(e, code?)` tells them apart. */
export abstract class LockError extends PocError {
  readonly scope = 'poc-redis-lock';
  abstract override readonly code: LockErrorCode;
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

export type AnyLockError =
  LockArgumentError | LockTimeoutError | LockAbortedError | LockLostError | StaleTokenError | LockServiceError;

/** The one guard: `isLockError(e)`, or `isLockError(e, 'lost')` narrowed to LockLostError. */
export const isLockError = errorGuard<AnyLockError>('poc-redis-lock');

/** Argument checks that throw LockArgumentError: `check.positiveInt('ttlMs', v)`. */
export const check: ArgumentChecks = argumentChecks((p) => new LockArgumentError(p.message));

/** The client check every entry point makes first: anything with evalsha() passes as an ioredis client. */
export function requireClient(redis: unknown): asserts redis is Redis {
  const ok = typeof redis === 'object' && redis !== null && typeof (redis as Redis).evalsha === 'function';
  check.kind(ok, 'redis', 'must be an ioredis client', redis);
}

/** Runs one Redis call; a client failure becomes a LockServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new LockServiceError(message, { cause }));
