// Errors carry a brand and a code, so a caller can tell "you passed a bad option" from "Redis is down"
// without matching message strings.

const brand = Symbol.for('poc.redis-job-queue.error');

export type QueueErrorCode = 'argument' | 'duplicate' | 'service';

export abstract class QueueError extends Error {
  readonly [brand] = true;
  abstract readonly code: QueueErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class QueueArgumentError extends QueueError {
  readonly code = 'argument';
}

/** enqueue() was given an id that a job still in the queue already has. */
export class DuplicateJobError extends QueueError {
  readonly code = 'duplicate';
}

/** Redis failed or could not be reached; `cause` is the client's error. */
export class QueueServiceError extends QueueError {
  readonly code = 'service';
}

export const isQueueError = (e: unknown): e is QueueError =>
  typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[brand] === true;
export const isQueueArgumentError = (e: unknown): e is QueueArgumentError => isQueueError(e) && e.code === 'argument';
export const isQueueServiceError = (e: unknown): e is QueueServiceError => isQueueError(e) && e.code === 'service';

// --- argument checks -----------------------------------------------------------------------------

const show = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : String(v));

export function requireArg(ok: boolean, name: string, rule: string, value: unknown): asserts ok {
  if (!ok) throw new QueueArgumentError(`${name} ${rule} (got ${show(value)})`);
}

/** Like requireArg, but reports the value's type (clients, functions, payloads). */
export function requireKind(ok: boolean, name: string, rule: string, value: unknown): asserts ok {
  if (!ok) throw new QueueArgumentError(`${name} ${rule} (got ${value === null ? 'null' : typeof value})`);
}

export function requirePositiveInt(name: string, value: unknown): asserts value is number {
  requireArg(Number.isSafeInteger(value) && (value as number) > 0, name, 'must be a positive integer', value);
}

export function requireNonNegativeInt(name: string, value: unknown): asserts value is number {
  requireArg(Number.isSafeInteger(value) && (value as number) >= 0, name, 'must be a non-negative integer', value);
}

/** Names end up inside Redis keys: keep them short and free of separators and hash-tag braces. */
export function requireName(name: string, value: unknown): asserts value is string {
  requireArg(
    typeof value === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(value),
    name,
    'must be 1-64 characters of [A-Za-z0-9_.-]',
    value,
  );
}

/** Runs one Redis call and turns a client failure into a QueueServiceError that says what was being done. */
export async function redisCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (isQueueError(e)) throw e;
    throw new QueueServiceError(`${what} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
