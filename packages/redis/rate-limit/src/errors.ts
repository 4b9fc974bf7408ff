// Every error this package throws carries a brand and a code, so a caller (an API middleware, say) can
// tell "you called me wrongly" from "Redis is down" without matching message strings.

const brand = Symbol.for('poc.redis-rate-limit.error');

export type RateLimitErrorCode = 'argument' | 'service';

export abstract class RateLimitError extends Error {
  readonly [brand] = true;
  abstract readonly code: RateLimitErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class RateLimitArgumentError extends RateLimitError {
  readonly code = 'argument';
}

/** Redis failed or could not be reached; `cause` is the client's error. Nothing was admitted or denied. */
export class RateLimitServiceError extends RateLimitError {
  readonly code = 'service';
}

export const isRateLimitError = (e: unknown): e is RateLimitError =>
  typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[brand] === true;
export const isRateLimitArgumentError = (e: unknown): e is RateLimitArgumentError =>
  isRateLimitError(e) && e.code === 'argument';
export const isRateLimitServiceError = (e: unknown): e is RateLimitServiceError =>
  isRateLimitError(e) && e.code === 'service';

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
  if (!ok) throw new RateLimitArgumentError(`${name} ${rule} (got ${show(value)})`);
}

export function requirePositiveInt(name: string, value: unknown): asserts value is number {
  requireArg(Number.isSafeInteger(value) && (value as number) > 0, name, 'must be a positive integer', value);
}

/** Runs one Redis call and turns a client failure into a RateLimitServiceError that says what was being done. */
export async function redisCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw new RateLimitServiceError(`${what} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
