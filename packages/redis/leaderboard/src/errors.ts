// Every error this package throws carries a brand and a code, so a caller can tell "you passed a bad
// argument" from "Redis failed" without matching message strings (and across duplicated copies of
// the package, where instanceof would fail).

const brand = Symbol.for('poc.redis-leaderboard.error');

export type LeaderboardErrorCode = 'argument' | 'service';

export abstract class LeaderboardError extends Error {
  readonly [brand] = true;
  abstract readonly code: LeaderboardErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. Nothing was sent. */
export class LeaderboardArgumentError extends LeaderboardError {
  readonly code = 'argument';
}

/** Redis failed or could not be reached; `cause` is the client's error. */
export class LeaderboardServiceError extends LeaderboardError {
  readonly code = 'service';
}

export const isLeaderboardError = (e: unknown): e is LeaderboardError =>
  typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[brand] === true;
export const isLeaderboardArgumentError = (e: unknown): e is LeaderboardArgumentError =>
  isLeaderboardError(e) && e.code === 'argument';
export const isLeaderboardServiceError = (e: unknown): e is LeaderboardServiceError =>
  isLeaderboardError(e) && e.code === 'service';

// --- argument checks -----------------------------------------------------------------------------

const show = (v: unknown): string => {
  if (typeof v === 'string') return `"${v}"`;
  if (typeof v === 'object' && v !== null) return Array.isArray(v) ? 'array' : 'object';
  if (typeof v === 'function') return 'function';
  return String(v);
};

export function requireArg(ok: boolean, name: string, rule: string, value: unknown): asserts ok {
  if (!ok) throw new LeaderboardArgumentError(`${name} ${rule} (got ${show(value)})`);
}

/** A player id or board name: a non-empty string (Redis accepts any bytes; an empty id is always a bug). */
export function requireId(name: string, value: unknown): asserts value is string {
  requireArg(typeof value === 'string' && value.length > 0, name, 'must be a non-empty string', value);
}

/** Scores are IEEE doubles in Redis; NaN and ±Infinity would poison every rank computed from them. */
export function requireFinite(name: string, value: unknown): asserts value is number {
  requireArg(typeof value === 'number' && Number.isFinite(value), name, 'must be a finite number', value);
}

export function requireIntIn(name: string, value: unknown, min: number, max: number): asserts value is number {
  requireArg(
    Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max,
    name,
    `must be an integer from ${min} to ${max}`,
    value,
  );
}

/** Runs one Redis call and turns a client failure into a LeaderboardServiceError that says what was being done. */
export async function redisCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (isLeaderboardError(e)) throw e;
    throw new LeaderboardServiceError(`${what} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
