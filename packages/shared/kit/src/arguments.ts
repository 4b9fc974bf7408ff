// Argument checks that build one kind of message everywhere: "<argument> <rule> (got <value>)".
// Each package binds them to its own argument error class once:
//
//   export const check: ArgumentChecks = argumentChecks((p) => new LockArgumentError(p.message));
//   check.positiveInt('ttlMs', options.ttlMs);   // LockArgumentError: ttlMs must be a positive integer (got -5)

export interface ArgumentProblem {
  /** The argument's name as the caller wrote it, e.g. "options.ttlMs". */
  readonly argument: string;
  /** The rule it broke, e.g. "must be a positive integer". */
  readonly rule: string;
  readonly value: unknown;
  /** `${argument} ${rule} (got ${described value})` */
  readonly message: string;
}

const MAX_SHOWN = 60;

/** A value as a message shows it: strings quoted (and shortened), numbers as written, others by kind. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'undefined') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  return describeKind(value);
}

/** A value's kind without its content (for clients, payloads, functions): "null", "an array", "a Redis", ... */
export function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'function':
      return 'a function';
    case 'object': {
      const ctor = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
      return ctor && ctor !== 'Object' ? `a ${ctor}` : 'an object';
    }
    case 'undefined':
      return 'undefined';
    default:
      return `a ${typeof value}`;
  }
}

export interface ArgumentChecks {
  /** The general form: throws unless `ok`, showing the value. */
  that(ok: boolean, argument: string, rule: string, value: unknown): asserts ok;
  /** Like `that`, but shows the value's kind rather than its content (clients, functions, payloads). */
  kind(ok: boolean, argument: string, rule: string, value: unknown): asserts ok;
  positiveInt(argument: string, value: unknown): asserts value is number;
  nonNegativeInt(argument: string, value: unknown): asserts value is number;
  /** An integer in [min, max]. */
  intIn(argument: string, value: unknown, min: number, max: number): asserts value is number;
  /** A finite number > 0 (durations that may be fractional, ratios). */
  positiveNumber(argument: string, value: unknown): asserts value is number;
  /** A finite number in [min, max]. */
  numberIn(argument: string, value: unknown, min: number, max: number): asserts value is number;
  /** A non-empty string. */
  name(argument: string, value: unknown): asserts value is string;
  /** One of the listed strings. */
  oneOf<T extends string>(argument: string, value: unknown, allowed: readonly T[]): asserts value is T;
  /** A function. */
  fn(argument: string, value: unknown): asserts value is (...args: never[]) => unknown;
  /** An AbortSignal or undefined. */
  signal(argument: string, value: unknown): asserts value is AbortSignal | undefined;
  /** A plain object or undefined (an options bag). */
  options(argument: string, value: unknown): asserts value is object | undefined;
}

export function argumentChecks(toError: (problem: ArgumentProblem) => Error): ArgumentChecks {
  const fail = (argument: string, rule: string, value: unknown, shown: string): never => {
    throw toError({ argument, rule, value, message: `${argument} ${rule} (got ${shown})` });
  };
  const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
  const isFinite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  const checks: ArgumentChecks = {
    that(ok, argument, rule, value) {
      if (!ok) fail(argument, rule, value, describeValue(value));
    },
    kind(ok, argument, rule, value) {
      if (!ok) fail(argument, rule, value, describeKind(value));
    },
    positiveInt(argument, value) {
      checks.that(isInt(value) && value > 0, argument, 'must be a positive integer', value);
    },
    nonNegativeInt(argument, value) {
      checks.that(isInt(value) && value >= 0, argument, 'must be a non-negative integer', value);
    },
    intIn(argument, value, min, max) {
      checks.that(
        isInt(value) && value >= min && value <= max,
        argument,
        `must be an integer from ${min} to ${max}`,
        value,
      );
    },
    positiveNumber(argument, value) {
      checks.that(isFinite(value) && value > 0, argument, 'must be a finite number > 0', value);
    },
    numberIn(argument, value, min, max) {
      checks.that(
        isFinite(value) && value >= min && value <= max,
        argument,
        `must be a number from ${min} to ${max}`,
        value,
      );
    },
    name(argument, value) {
      checks.that(typeof value === 'string' && value.length > 0, argument, 'must be a non-empty string', value);
    },
    oneOf(argument, value, allowed) {
      checks.that(
        typeof value === 'string' && (allowed as readonly string[]).includes(value),
        argument,
        `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}`,
        value,
      );
    },
    fn(argument, value) {
      checks.kind(typeof value === 'function', argument, 'must be a function', value);
    },
    signal(argument, value) {
      checks.kind(value === undefined || value instanceof AbortSignal, argument, 'must be an AbortSignal', value);
    },
    options(argument, value) {
      checks.kind(
        value === undefined || (typeof value === 'object' && value !== null && !Array.isArray(value)),
        argument,
        'must be an object',
        value,
      );
    },
  };
  return checks;
}
