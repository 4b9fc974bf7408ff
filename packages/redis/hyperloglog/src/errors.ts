// Errors carry a brand and a code, so a caller can tell "you passed a bad argument" from "Redis
// refused or failed" without matching message strings.

const brand = Symbol.for('poc.redis-hyperloglog.error');

export type CounterErrorCode = 'argument' | 'service';

export abstract class CounterError extends Error {
  readonly [brand] = true;
  abstract readonly code: CounterErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class CounterArgumentError extends CounterError {
  readonly code = 'argument';
}

/** Redis failed, could not be reached, or refused the command (e.g. WRONGTYPE); `cause` is the client's error. */
export class CounterServiceError extends CounterError {
  readonly code = 'service';
}

export const isCounterError = (e: unknown): e is CounterError =>
  typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[brand] === true;
export const isCounterArgumentError = (e: unknown): e is CounterArgumentError =>
  isCounterError(e) && e.code === 'argument';
export const isCounterServiceError = (e: unknown): e is CounterServiceError =>
  isCounterError(e) && e.code === 'service';

const show = (v: unknown): string =>
  typeof v === 'string' ? `"${v}"` : Array.isArray(v) ? 'array' : v === null ? 'null' : String(v);

export function requireArg(ok: boolean, name: string, rule: string, value: unknown): asserts ok {
  if (!ok) throw new CounterArgumentError(`${name} ${rule} (got ${show(value)})`);
}

export function requireKind(ok: boolean, name: string, rule: string, value: unknown): asserts ok {
  if (!ok)
    throw new CounterArgumentError(
      `${name} ${rule} (got ${Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value})`,
    );
}

export function requireKey(name: string, value: unknown): asserts value is string {
  requireArg(typeof value === 'string' && value.length > 0, name, 'must be a non-empty string', value);
}

/** Runs one Redis call and turns a client failure into a CounterServiceError that says what was being done. */
export async function redisCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (isCounterError(e)) throw e;
    throw new CounterServiceError(`${what} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
