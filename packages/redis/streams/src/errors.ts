// Every error this package throws carries a brand and a code, so a caller can tell "you passed a bad
// option" from "Redis failed" without matching message strings.

const brand = Symbol.for('poc.redis-streams.error');

export type StreamErrorCode = 'argument' | 'service';

export abstract class StreamError extends Error {
  readonly [brand] = true;
  abstract readonly code: StreamErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class StreamArgumentError extends StreamError {
  readonly code = 'argument';
}

/** Redis failed or could not be reached; `cause` is the client's error. */
export class StreamServiceError extends StreamError {
  readonly code = 'service';
}

export const isStreamError = (e: unknown): e is StreamError =>
  typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[brand] === true;
export const isStreamArgumentError = (e: unknown): e is StreamArgumentError =>
  isStreamError(e) && e.code === 'argument';
export const isStreamServiceError = (e: unknown): e is StreamServiceError => isStreamError(e) && e.code === 'service';

// --- argument checks -----------------------------------------------------------------------------

const show = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : String(v));

export function requireArg(ok: boolean, name: string, rule: string, value: unknown): asserts ok {
  if (!ok) throw new StreamArgumentError(`${name} ${rule} (got ${show(value)})`);
}

/** Like requireArg, but reports the value's type rather than the value (clients, functions, payloads). */
export function requireKind(ok: boolean, name: string, rule: string, value: unknown): asserts ok {
  if (!ok) throw new StreamArgumentError(`${name} ${rule} (got ${value === null ? 'null' : typeof value})`);
}

export function requirePositiveInt(name: string, value: unknown): asserts value is number {
  requireArg(Number.isSafeInteger(value) && (value as number) > 0, name, 'must be a positive integer', value);
}

export function requireName(name: string, value: unknown): asserts value is string {
  requireArg(typeof value === 'string' && value.length > 0, name, 'must be a non-empty string', value);
}

/** A client failure as a StreamServiceError that says what was being done. */
export const serviceError = (what: string, e: unknown): StreamServiceError =>
  new StreamServiceError(`${what} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });

/** Runs one Redis call and turns a client failure into a StreamServiceError that says what was being done. */
export async function redisCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (isStreamError(e)) throw e;
    throw serviceError(what, e);
  }
}
