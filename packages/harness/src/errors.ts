// Errors the harness throws carry a brand and a guard, so callers can tell a missing service
// from a bug without string matching.

const brand = Symbol.for('poc.harness.error');

export class HarnessError extends Error {
  readonly [brand] = true;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** No provider could supply the service: says what to install or which variable to set. */
export class ServiceUnavailableError extends HarnessError {}

/** A harness function was called with an argument that breaks a stated rule. */
export class HarnessArgumentError extends HarnessError {}

export const isHarnessError = (e: unknown): e is HarnessError =>
  typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[brand] === true;

export function requireArg(condition: boolean, name: string, rule: string): asserts condition {
  if (!condition) throw new HarnessArgumentError(`${name} ${rule}`);
}
