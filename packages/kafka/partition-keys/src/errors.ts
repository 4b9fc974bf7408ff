// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed broker from "not safe to add partitions yet" with one guard,
// `isPartitionKeysError(e, 'not-drained')`, without matching message strings.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type PartitionKeysErrorCode = 'argument' | 'service' | 'not-sent' | 'not-drained';

/** Base of every error this package throws: `isPartitionKeysError(e, code?)` tells them apart. */
export abstract class PartitionKeysError extends PocError {
  readonly scope = 'poc-kafka-partition-keys';
  abstract override readonly code: PartitionKeysErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class PartitionKeysArgumentError extends PartitionKeysError {
  readonly code = 'argument';
}

/** Kafka failed or could not be reached (after the client's own retries); `cause` is KafkaJS's error. */
export class PartitionKeysServiceError extends PartitionKeysError {
  readonly code = 'service';
}

/**
 * A send that was never attempted: an earlier send of the same producer failed, and this one was queued
 * behind it. Sending it anyway could write a key's later events before its earlier ones, so it is
 * rejected unsent; re-send the failed call and this one, in order. `cause` is the earlier failure.
 */
export class PartitionKeysNotSentError extends PartitionKeysError {
  readonly code = 'not-sent';
}

/**
 * growPartitions() refused to add partitions: within its timeout, a consumer group still had messages
 * to read (lag) or producers were still writing. Adding partitions then lets a key's new messages be
 * read before its old ones. `lag` is what it saw last, per group and partition.
 */
export class PartitionsNotDrainedError extends PartitionKeysError {
  readonly code = 'not-drained';
  readonly topic: string;
  readonly lag: ReadonlyArray<{ groupId: string; partition: number; lag: number }>;
  readonly stillWriting: boolean;
  constructor(
    message: string,
    topic: string,
    lag: ReadonlyArray<{ groupId: string; partition: number; lag: number }>,
    stillWriting: boolean,
  ) {
    super(message);
    this.topic = topic;
    this.lag = lag;
    this.stillWriting = stillWriting;
  }
}

export type AnyPartitionKeysError =
  PartitionKeysArgumentError | PartitionKeysServiceError | PartitionKeysNotSentError | PartitionsNotDrainedError;

/** The one guard: `isPartitionKeysError(e, code?)`; given a code, it narrows to that error's class. */
export const isPartitionKeysError = errorGuard<AnyPartitionKeysError>('poc-kafka-partition-keys');

/** Argument checks that throw PartitionKeysArgumentError: `check.positiveInt('options.buckets', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new PartitionKeysArgumentError(p.message));

/** KafkaJS wraps the real failure (refused connection, timeout) in a "retries exceeded" error; show both. */
export function describeKafkaError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const parts = [`${e.name}: ${e.message}`];
  let inner = e.cause ?? (e as { originalError?: unknown }).originalError;
  while (inner instanceof Error && parts.length < 3) {
    parts.push(`${inner.name}: ${inner.message}`);
    inner = inner.cause ?? (inner as { originalError?: unknown }).originalError;
  }
  return parts.join(' <- ');
}

/**
 * Runs one KafkaJS call; its failure becomes a PartitionKeysServiceError that says what was being done and
 * KafkaJS's chain of causes (`cause` is KafkaJS's error). This package's own errors pass through unchanged.
 */
export function kafkaCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  const wrapped = serviceCall(
    (_message, cause) => new PartitionKeysServiceError(`${what} failed: ${describeKafkaError(cause)}`, { cause }),
  );
  return wrapped(what, call);
}
