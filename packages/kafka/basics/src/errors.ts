// Every error this package throws is a KafkaPocError with a code, so a caller can tell "you passed a
// bad argument" from "this message does not match the topic's schema" from "Kafka failed" with one
// guard, `isKafkaPocError(e, 'validation')`, without matching message strings.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type KafkaPocErrorCode = 'argument' | 'validation' | 'service' | 'handler';

/** Base of every error this package throws: `isKafkaPocError(e, code?)` tells them apart. */
export abstract class KafkaPocError extends PocError {
  readonly scope = 'poc-kafka-basics';
  abstract override readonly code: KafkaPocErrorCode;
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

/**
 * The caller's handler threw; `cause` is what it threw. KafkaJS stops a consumer for good, without
 * telling anyone, when a handler throws a TypeError, SyntaxError, RangeError or ReferenceError (it
 * takes them for bugs of its own); wrapped in this error, which says it is `retriable`, a handler's
 * failure is retried like any other instead.
 */
export class KafkaHandlerError extends KafkaPocError {
  readonly code = 'handler';
  /** Read by KafkaJS's retrier. */
  readonly retriable = true;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  constructor(topic: string, partition: number, offset: string, cause: unknown) {
    super(`handling ${topic}/${partition}@${offset} failed: ${describeKafkaError(cause)}`, { cause });
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
  }
}

export type AnyKafkaPocError = KafkaArgumentError | MessageValidationError | KafkaServiceError | KafkaHandlerError;
/** The one guard: `isKafkaPocError(e)`, or `isKafkaPocError(e, 'validation')` narrowed to MessageValidationError. */
export const isKafkaPocError = errorGuard<AnyKafkaPocError>('poc-kafka-basics');

/** Argument checks that throw KafkaArgumentError: `check.positiveInt('partitions', v)`. */
export const check: ArgumentChecks = argumentChecks((p) => new KafkaArgumentError(p.message));

/** Kafka's own rule for topic names (kafka.common.internals.Topic): 1-249 of [a-zA-Z0-9._-]. */
export function requireTopicName(argument: string, value: unknown): asserts value is string {
  check.that(
    typeof value === 'string' && /^[a-zA-Z0-9._-]{1,249}$/.test(value) && value !== '.' && value !== '..',
    argument,
    'must be 1-249 characters of [a-zA-Z0-9._-], not "." or ".."',
    value,
  );
}

/**
 * Runs one KafkaJS call; its failure becomes a KafkaServiceError that says what was being done and
 * KafkaJS's chain of causes (this package's own errors pass through unchanged).
 */
export function kafkaCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  const wrapped = serviceCall(
    (_message, cause) => new KafkaServiceError(`${what} failed: ${describeKafkaError(cause)}`, { cause }),
  );
  return wrapped(what, call);
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

/**
 * Runs the caller's handler for one message. What it throws reaches KafkaJS as a KafkaHandlerError
 * (retried), except KafkaJS's own errors, which pass unchanged with their own retriable flag.
 */
export async function runHandler(
  where: { topic: string; partition: number; offset: string },
  handler: () => Promise<void>,
): Promise<void> {
  try {
    await handler();
  } catch (e) {
    if (e instanceof Error && e.name.startsWith('KafkaJS')) throw e;
    throw new KafkaHandlerError(where.topic, where.partition, where.offset, e);
  }
}

/**
 * What KafkaJS reported as a crash, as this package's error: the KafkaHandlerError in its chain of
 * causes (a handler kept failing), or a KafkaServiceError wrapping it.
 */
export function crashError(topic: string, error: unknown): KafkaHandlerError | KafkaServiceError {
  let inner: unknown = error;
  for (let depth = 0; inner instanceof Error && depth < 5; depth++) {
    if (isKafkaPocError(inner, 'handler')) return inner;
    if (isKafkaPocError(inner, 'service')) return inner; // e.g. a dead letter that could not be written
    inner = inner.cause ?? (inner as { originalError?: unknown }).originalError;
  }
  return new KafkaServiceError(`the consumer of "${topic}" crashed: ${describeKafkaError(error)}`, { cause: error });
}
