// Errors the harness throws are the kit's errors (scope "@poc/harness"), so callers can tell a missing
// service from a bug without string matching, and entry points print them as one line.
import { PocError, errorGuard } from '@poc/kit';

export type HarnessErrorCode = 'unavailable' | 'argument' | 'timeout' | 'worker';

export abstract class HarnessError extends PocError {
  readonly scope = '@poc/harness';
  abstract override readonly code: HarnessErrorCode;
}

/** No provider could supply the service: says what to install or which variable to set. */
export class ServiceUnavailableError extends HarnessError {
  readonly code = 'unavailable';
}

/** A harness function was called with an argument that breaks a stated rule. */
export class HarnessArgumentError extends HarnessError {
  readonly code = 'argument';
}

/** eventually() did not see its condition within the time it was given. */
export class HarnessTimeoutError extends HarnessError {
  readonly code = 'timeout';
}

/** A worker process a test spawned exited or failed before it said it was ready. */
export class WorkerProcessError extends HarnessError {
  readonly code = 'worker';
}

/** `isHarnessError(e)` or `isHarnessError(e, 'unavailable')`. */
export const isHarnessError = errorGuard<
  ServiceUnavailableError | HarnessArgumentError | HarnessTimeoutError | WorkerProcessError
>('@poc/harness');

export function requireArg(condition: boolean, name: string, rule: string): asserts condition {
  if (!condition) throw new HarnessArgumentError(`${name} ${rule}`);
}
