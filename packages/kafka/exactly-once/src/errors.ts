// Every error this package throws is an ExactlyOnceError with a code, so a caller tells "you passed a
// bad argument" from "Kafka failed" from "your transform threw" from "another instance took this
// partition over" with one guard, `isExactlyOnceError(e, 'fenced')`, without matching message strings.
import { PocError, argumentChecks, errorGuard, type ArgumentChecks } from '@poc/kit';

export type ExactlyOnceErrorCode = 'argument' | 'service' | 'transform' | 'fenced';

/** Base of every error this package throws: `isExactlyOnceError(e, code?)` tells them apart. */
export abstract class ExactlyOnceError extends PocError {
  readonly scope = 'poc-kafka-exactly-once';
  abstract override readonly code: ExactlyOnceErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class ExactlyOnceArgumentError extends ExactlyOnceError {
  readonly code = 'argument';
}

/** Kafka failed or could not be reached (after the client's own retries); `cause` is KafkaJS's error. */
export class ExactlyOnceServiceError extends ExactlyOnceError {
  readonly code = 'service';
}

/**
 * The caller's transform threw for an input message; `cause` is what it threw. Nothing of its chunk
 * was written: the chunk is retried (KafkaJS's retries, then a restart of the consumer).
 */
export class ExactlyOnceTransformError extends ExactlyOnceError {
  readonly code = 'transform';
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  constructor(topic: string, partition: number, offset: string, cause: unknown) {
    super(`transforming ${topic}/${partition}@${offset} failed: ${describeKafkaError(cause)}`, { cause });
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
  }
}

/**
 * Another producer with this partition's transactional id has started (a successor after a rebalance
 * or a restart): the broker refused this one's transaction, and aborted it. This instance is a zombie
 * for that partition; the processor drops its producer and rejoins the group.
 */
export class ExactlyOnceFencedError extends ExactlyOnceError {
  readonly code = 'fenced';
  readonly transactionalId: string;
  constructor(transactionalId: string, cause: unknown) {
    super(
      `the producer "${transactionalId}" was fenced (${fencingType(cause)}): a newer producer with its transactional id owns the partition now`,
      { cause },
    );
    this.transactionalId = transactionalId;
  }
}

export type AnyExactlyOnceError =
  ExactlyOnceArgumentError | ExactlyOnceServiceError | ExactlyOnceTransformError | ExactlyOnceFencedError;

/** The one guard: `isExactlyOnceError(e)`, or `isExactlyOnceError(e, 'fenced')` narrowed to ExactlyOnceFencedError. */
export const isExactlyOnceError = errorGuard<AnyExactlyOnceError>('poc-kafka-exactly-once');

/** Argument checks that throw ExactlyOnceArgumentError: `check.positiveInt('options.batchSize', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new ExactlyOnceArgumentError(p.message));

/** The broker's answers that mean "a newer producer with your transactional id exists". */
const FENCED = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']);

/** The broker's error type that fenced this producer, from KafkaJS's error or one of its causes; undefined if none did. */
function fencingType(e: unknown): string | undefined {
  for (let inner = e, depth = 0; inner instanceof Error && depth < 6; depth++) {
    const type = (inner as { type?: string }).type;
    if (type !== undefined && FENCED.has(type)) return type;
    inner = inner.cause ?? (inner as { originalError?: unknown }).originalError;
  }
  return undefined;
}

/** True when KafkaJS's error (or one of its causes) is the broker fencing this producer. */
export const isFencing = (e: unknown): boolean => fencingType(e) !== undefined;

/**
 * Runs one KafkaJS call; its failure becomes an ExactlyOnceServiceError that says what was being done
 * and KafkaJS's chain of causes. This package's own errors pass through unchanged.
 */
export async function kafkaCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (isExactlyOnceError(e)) throw e;
    throw new ExactlyOnceServiceError(`${what} failed: ${describeKafkaError(e)}`, { cause: e });
  }
}

/** KafkaJS wraps the real failure (a refused connection, a fenced epoch) in a "retries exceeded" error; show both. */
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
