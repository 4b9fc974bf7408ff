// Every error this package throws carries a brand and a code, so a caller can tell "you passed a bad
// argument" from "this message does not match the topic's schema" from "Kafka failed" without
// matching message strings.

const brand = Symbol.for('poc.kafka-basics.error');

export type KafkaPocErrorCode = 'argument' | 'validation' | 'service';

export abstract class KafkaPocError extends Error {
  readonly [brand] = true;
  abstract readonly code: KafkaPocErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class KafkaArgumentError extends KafkaPocError {
  readonly code = 'argument';
}

/** A value to be produced does not match its topic's schema; nothing of the batch was sent. */
export class MessageValidationError extends KafkaPocError {
  readonly code = 'validation';
  readonly topic: string;
  readonly index: number;
  constructor(message: string, topic: string, index: number) {
    super(message);
    this.topic = topic;
    this.index = index;
  }
}

/** Kafka failed or could not be reached (after the client's own retries); `cause` is KafkaJS's error. */
export class KafkaServiceError extends KafkaPocError {
  readonly code = 'service';
}

export const isKafkaPocError = (e: unknown): e is KafkaPocError =>
  typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[brand] === true;
export const isKafkaArgumentError = (e: unknown): e is KafkaArgumentError =>
  isKafkaPocError(e) && e.code === 'argument';
export const isMessageValidationError = (e: unknown): e is MessageValidationError =>
  isKafkaPocError(e) && e.code === 'validation';
export const isKafkaServiceError = (e: unknown): e is KafkaServiceError => isKafkaPocError(e) && e.code === 'service';

// --- argument checks -----------------------------------------------------------------------------

const show = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : Array.isArray(v) ? 'array' : String(v));

export function requireArg(ok: boolean, name: string, rule: string, value: unknown): asserts ok {
  if (!ok) throw new KafkaArgumentError(`${name} ${rule} (got ${show(value)})`);
}

/** Like requireArg, but reports the value's type rather than the value (clients, functions, schemas). */
export function requireKind(ok: boolean, name: string, rule: string, value: unknown): asserts ok {
  if (!ok)
    throw new KafkaArgumentError(
      `${name} ${rule} (got ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value})`,
    );
}

export function requirePositiveInt(name: string, value: unknown): asserts value is number {
  requireArg(Number.isSafeInteger(value) && (value as number) > 0, name, 'must be a positive integer', value);
}

/** Kafka's own rule for topic names (kafka.common.internals.Topic): 1-249 of [a-zA-Z0-9._-]. */
export function requireTopicName(name: string, value: unknown): asserts value is string {
  requireArg(
    typeof value === 'string' && /^[a-zA-Z0-9._-]{1,249}$/.test(value) && value !== '.' && value !== '..',
    name,
    'must be 1-249 characters of [a-zA-Z0-9._-], not "." or ".."',
    value,
  );
}

/** Runs one KafkaJS call and turns its failure into a KafkaServiceError that says what was being done. */
export async function kafkaCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (isKafkaPocError(e)) throw e;
    throw new KafkaServiceError(`${what} failed: ${describeKafkaError(e)}`, { cause: e });
  }
}

/** KafkaJS wraps the real failure (refused connection, timeout) in a "retries exceeded" error; show both. */
export function describeKafkaError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const parts = [`${e.name}: ${e.message}`];
  let inner = e.cause ?? (e as { originalError?: unknown }).originalError;
  while (inner instanceof Error && parts.length < 4) {
    parts.push(`${inner.name}: ${inner.message}`);
    inner = inner.cause ?? (inner as { originalError?: unknown }).originalError;
  }
  return parts.join(' <- ');
}
