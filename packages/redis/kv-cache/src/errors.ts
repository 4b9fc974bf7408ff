// Every error this package throws carries a brand and a code, so a caller can tell "you passed a bad
// TTL" from "the loader returned nothing" from "Redis refused the invalidation" without matching strings.

const brand = Symbol.for('poc.redis-kv-cache.error');

export type CacheErrorCode = 'argument' | 'value' | 'service';

export abstract class CacheError extends Error {
  readonly [brand] = true;
  abstract readonly code: CacheErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. Nothing was sent. */
export class CacheArgumentError extends CacheError {
  readonly code = 'argument';
}

/** A value could not be cached: the loader returned undefined, or the serializer failed. Nothing was stored. */
export class CacheValueError extends CacheError {
  readonly code = 'value';
}

/** Redis failed where the cache cannot fall back (invalidation); `cause` is the client's error. */
export class CacheServiceError extends CacheError {
  readonly code = 'service';
}

export const isCacheError = (e: unknown): e is CacheError =>
  typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[brand] === true;
export const isCacheArgumentError = (e: unknown): e is CacheArgumentError => isCacheError(e) && e.code === 'argument';
export const isCacheValueError = (e: unknown): e is CacheValueError => isCacheError(e) && e.code === 'value';
export const isCacheServiceError = (e: unknown): e is CacheServiceError => isCacheError(e) && e.code === 'service';

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
  if (!ok) throw new CacheArgumentError(`${name} ${rule} (got ${show(value)})`);
}

export const isFunction = (v: unknown): v is (...args: never[]) => unknown => typeof v === 'function';

/** True for an object whose listed properties are all functions (a client, a serializer). */
export const hasMethods = (v: unknown, ...names: string[]): boolean =>
  typeof v === 'object' && v !== null && names.every((n) => isFunction((v as Record<string, unknown>)[n]));

export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));
