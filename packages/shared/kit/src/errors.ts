// One error base for every package. An error carries a scope (the package that threw it) and a code
// (what went wrong), so a caller branches on `isLockError(e, 'lost')` instead of instanceof (which
// breaks across duplicated module copies) or message matching. Each POC's errors.ts declares only
// its domain errors on top of this.

const BRAND = Symbol.for('poc.kit.error');

export abstract class PocError extends Error {
  /** The package whose error this is, e.g. "poc-redis-lock". */
  abstract readonly scope: string;
  /** What went wrong, as a stable word: "argument", "service", "timeout", ... */
  abstract readonly code: string;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** True for an error of any package built on this kit. */
export const isPocError = (e: unknown): e is PocError =>
  typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;

export type CodeOf<E extends PocError> = E['code'];

/** The member of the union `E` with code `C`, or `E` narrowed to that code when `E` is a base class. */
type WithCode<E extends PocError, C> = [Extract<E, { code: C }>] extends [never]
  ? E & { readonly code: C }
  : Extract<E, { code: C }>;

export type ErrorGuard<E extends PocError> = <C extends CodeOf<E> = CodeOf<E>>(
  e: unknown,
  code?: C,
) => e is WithCode<E, C>;

/**
 * The one guard a package exports: `export const isLockError = errorGuard<AnyLockError>('poc-redis-lock')`,
 * then `isLockError(e)` or `isLockError(e, 'lost')` (narrowed to LockLostError).
 */
export function errorGuard<E extends PocError>(scope: string): ErrorGuard<E> {
  return (<C extends CodeOf<E>>(e: unknown, code?: C): e is WithCode<E, C> =>
    isPocError(e) && e.scope === scope && (code === undefined || e.code === code)) as ErrorGuard<E>;
}

/**
 * Wraps a client call so a failure of the server (connection refused, timeout, a server error reply)
 * reaches the caller as the package's own service error naming what was being done. Errors of this
 * kit (the package's own, already explained) pass through unchanged.
 *
 *   export const redisCall = serviceCall((message, cause) => new LockServiceError(message, { cause }));
 *   await redisCall('releasing "report"', () => runScript(...));
 */
export function serviceCall(
  wrap: (message: string, cause: unknown) => Error,
): <T>(what: string, call: () => Promise<T>) => Promise<T> {
  return async (what, call) => {
    try {
      return await call();
    } catch (e) {
      if (isPocError(e)) throw e;
      throw wrap(`${what} failed: ${e instanceof Error ? e.message : String(e)}`, e);
    }
  };
}
