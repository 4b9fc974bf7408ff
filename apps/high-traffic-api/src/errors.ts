// Every error the library throws carries a brand and a code; HTTP problems are separate (problem.ts).
const brand = Symbol.for('poc.high-traffic-api.error');

export type ApiErrorCode = 'argument';

export abstract class ApiError extends Error {
  readonly [brand] = true;
  abstract readonly code: ApiErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** createApp / seedCatalog got an option that broke a stated rule; the message names it, the rule and the value. */
export class ApiArgumentError extends ApiError {
  readonly code = 'argument';
}

export const isApiError = (e: unknown): e is ApiError =>
  typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[brand] === true;
export const isApiArgumentError = (e: unknown): e is ApiArgumentError => isApiError(e) && e.code === 'argument';

const show = (v: unknown): string =>
  typeof v === 'string'
    ? `"${v}"`
    : typeof v === 'function'
      ? 'a function'
      : typeof v === 'object' && v !== null
        ? 'an object'
        : String(v);

export function requireArg(ok: boolean, name: string, rule: string, value: unknown): asserts ok {
  if (!ok) throw new ApiArgumentError(`${name} ${rule} (got ${show(value)})`);
}

export function requirePositiveInt(name: string, value: unknown): asserts value is number {
  requireArg(Number.isSafeInteger(value) && (value as number) > 0, name, 'must be a positive integer', value);
}
