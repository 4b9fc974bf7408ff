// Every error this package throws carries a brand and a code, so a caller can tell "you passed a bad
// option" from "Redis failed" without matching message strings.

const brand = Symbol.for('poc.redis-pubsub.error');

export type PubSubErrorCode = 'argument' | 'service';

export abstract class PubSubError extends Error {
  readonly [brand] = true;
  abstract readonly code: PubSubErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class PubSubArgumentError extends PubSubError {
  readonly code = 'argument';
}

/** Redis failed or could not be reached; `cause` is the client's error. */
export class PubSubServiceError extends PubSubError {
  readonly code = 'service';
}

export const isPubSubError = (e: unknown): e is PubSubError =>
  typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[brand] === true;
export const isPubSubArgumentError = (e: unknown): e is PubSubArgumentError =>
  isPubSubError(e) && e.code === 'argument';
export const isPubSubServiceError = (e: unknown): e is PubSubServiceError => isPubSubError(e) && e.code === 'service';

// --- argument checks -----------------------------------------------------------------------------

const show = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : String(v));

export function requireArg(ok: boolean, name: string, rule: string, value: unknown): asserts ok {
  if (!ok) throw new PubSubArgumentError(`${name} ${rule} (got ${show(value)})`);
}

/** Like requireArg, but reports the value's type rather than the value (clients, functions, payloads). */
export function requireKind(ok: boolean, name: string, rule: string, value: unknown): asserts ok {
  if (!ok) throw new PubSubArgumentError(`${name} ${rule} (got ${value === null ? 'null' : typeof value})`);
}

export function requirePositiveInt(name: string, value: unknown): asserts value is number {
  requireArg(Number.isSafeInteger(value) && (value as number) > 0, name, 'must be a positive integer', value);
}

export function requireName(name: string, value: unknown): asserts value is string {
  requireArg(typeof value === 'string' && value.length > 0, name, 'must be a non-empty string', value);
}

/** A client failure as a PubSubServiceError that says what was being done. */
export const serviceError = (what: string, e: unknown): PubSubServiceError =>
  new PubSubServiceError(`${what} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });

/** Runs one Redis call and turns a client failure into a PubSubServiceError that says what was being done. */
export async function redisCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (isPubSubError(e)) throw e;
    throw serviceError(what, e);
  }
}
