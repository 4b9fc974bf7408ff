// Every error this package throws carries a brand and a code: "you passed a bad argument" and
// "Redis failed" are different problems, and callers branch on them without matching strings.

const brand = Symbol.for('poc.redis-counter.error');

export type CounterErrorCode = 'argument' | 'service';

export abstract class CounterError extends Error {
  readonly [brand] = true;
  abstract readonly code: CounterErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. Nothing was sent. */
export class CounterArgumentError extends CounterError {
  readonly code = 'argument';
}

/** Redis failed or refused the command; `cause` is the client's error. The increment may not have happened. */
export class CounterServiceError extends CounterError {
  readonly code = 'service';
}

export const isCounterError = (e: unknown): e is CounterError =>
  typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[brand] === true;
export const isCounterArgumentError = (e: unknown): e is CounterArgumentError =>
  isCounterError(e) && e.code === 'argument';
export const isCounterServiceError = (e: unknown): e is CounterServiceError =>
  isCounterError(e) && e.code === 'service';

// --- argument checks -----------------------------------------------------------------------------

const show = (v: unknown): string =>
  typeof v === 'string'
    ? `"${v}"`
    : typeof v === 'function'
      ? 'a function'
      : v === null
        ? 'null'
        : typeof v === 'object'
          ? typeof v
          : String(v);

export function requireArg(ok: boolean, name: string, rule: string, value: unknown): asserts ok {
  if (!ok) throw new CounterArgumentError(`${name} ${rule} (got ${show(value)})`);
}

export function requirePositiveInt(name: string, value: unknown): asserts value is number {
  requireArg(Number.isSafeInteger(value) && (value as number) > 0, name, 'must be a positive integer', value);
}

export function requireName(value: unknown): asserts value is string {
  requireArg(
    typeof value === 'string' && value.length > 0 && value.length <= 512,
    'name',
    'must be a non-empty string of at most 512 characters',
    value,
  );
}

export function requireClient(value: unknown, ...methods: string[]): void {
  const ok =
    typeof value === 'object' &&
    value !== null &&
    methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
  requireArg(ok, 'redis', `must be an ioredis client (with ${methods.join(', ')})`, value);
}

/** Runs one Redis call and turns a client failure into a CounterServiceError that says what was being done. */
export async function redisCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new CounterServiceError(`${what} failed: ${message}`, { cause: e });
  }
}
