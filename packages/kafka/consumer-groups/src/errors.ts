// Every error this package throws carries a brand and a code: "you passed a bad argument" vs "Kafka
// failed" without matching message strings.

const brand = Symbol.for('poc.kafka-consumer-groups.error');

export type GroupErrorCode = 'argument' | 'service';

export abstract class GroupError extends Error {
  readonly [brand] = true;
  abstract readonly code: GroupErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class GroupArgumentError extends GroupError {
  readonly code = 'argument';
}

/** Kafka failed or could not be reached (after the client's own retries); `cause` is KafkaJS's error. */
export class GroupServiceError extends GroupError {
  readonly code = 'service';
}

export const isGroupError = (e: unknown): e is GroupError =>
  typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[brand] === true;
export const isGroupArgumentError = (e: unknown): e is GroupArgumentError => isGroupError(e) && e.code === 'argument';
export const isGroupServiceError = (e: unknown): e is GroupServiceError => isGroupError(e) && e.code === 'service';

const show = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : String(v));

export function requireArg(ok: boolean, name: string, rule: string, value: unknown): asserts ok {
  if (!ok) throw new GroupArgumentError(`${name} ${rule} (got ${show(value)})`);
}

/** Like requireArg, but reports the value's type (clients, functions). */
export function requireKind(ok: boolean, name: string, rule: string, value: unknown): asserts ok {
  if (!ok) throw new GroupArgumentError(`${name} ${rule} (got ${value === null ? 'null' : typeof value})`);
}

export function requireName(name: string, value: unknown): asserts value is string {
  requireArg(typeof value === 'string' && value.length > 0, name, 'must be a non-empty string', value);
}

/** Runs one KafkaJS call and turns its failure into a GroupServiceError that says what was being done. */
export async function kafkaCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (isGroupError(e)) throw e;
    throw new GroupServiceError(`${what} failed: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, {
      cause: e,
    });
  }
}
