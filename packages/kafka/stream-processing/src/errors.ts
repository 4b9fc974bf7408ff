// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server, a mis-created topic or a newer instance that took over,
// with one guard: `isStreamProcessingError(e, 'fenced')`.
import { setTimeout as sleep } from 'node:timers/promises';
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type StreamProcessingErrorCode = 'argument' | 'service' | 'topology' | 'fenced';

/** Base of every error this package throws: `isStreamProcessingError(e, code?)` tells them apart. */
export abstract class StreamProcessingError extends PocError {
  readonly scope = 'poc-kafka-stream-processing';
  abstract override readonly code: StreamProcessingErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class StreamProcessingArgumentError extends StreamProcessingError {
  readonly code = 'argument';
}

/** Kafka failed or could not be reached (after KafkaJS's own retries); `cause` is KafkaJS's error. */
export class StreamProcessingServiceError extends StreamProcessingError {
  readonly code = 'service';
}

/**
 * A topic the processor needs is missing or set up so that the guarantee would not hold: a changelog
 * that is not compacted, or not partitioned like the input. Checked before anything is consumed.
 */
export class StreamProcessingTopologyError extends StreamProcessingError {
  readonly code = 'topology';
}

/**
 * Another instance with the same name (the same transactional id) started: this one was fenced by the
 * transaction coordinator and stopped. Nothing it had not committed is visible to read_committed readers.
 */
export class StreamProcessingFencedError extends StreamProcessingError {
  readonly code = 'fenced';
}

export type AnyStreamProcessingError =
  | StreamProcessingArgumentError
  | StreamProcessingServiceError
  | StreamProcessingTopologyError
  | StreamProcessingFencedError;

/** The one guard: `isStreamProcessingError(e, code?)`; given a code, it narrows to that error's class. */
export const isStreamProcessingError = errorGuard<AnyStreamProcessingError>('poc-kafka-stream-processing');

/** Argument checks that throw StreamProcessingArgumentError: `check.positiveInt('options.graceMs', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new StreamProcessingArgumentError(p.message));

/** KafkaJS wraps the real failure (refused connection, fenced epoch) in "retries exceeded"; show the chain. */
export function describeKafkaError(e: unknown): string {
  const parts: string[] = [];
  for (let inner: unknown = e; inner !== undefined && parts.length < 4;) {
    if (!(inner instanceof Error)) {
      parts.push(String(inner));
      break;
    }
    parts.push(`${inner.name}: ${inner.message}`);
    inner = inner.cause ?? (inner as { originalError?: unknown }).originalError;
  }
  return parts.join(' <- ');
}

/** Kafka's error types that mean "a producer with this transactional id and a newer epoch exists". */
const FENCED_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']);

/** True when KafkaJS's error (or one it wraps) says this producer was fenced by a newer instance. */
export function isFencing(e: unknown): boolean {
  for (let inner: unknown = e, depth = 0; inner instanceof Error && depth < 5; depth++) {
    if (FENCED_TYPES.has(String((inner as { type?: unknown }).type))) return true;
    inner = inner.cause ?? (inner as { originalError?: unknown }).originalError;
  }
  return false;
}

/**
 * Runs one KafkaJS call; its failure becomes a StreamProcessingServiceError (a FencedError when a newer
 * instance took over) that says what was being done and KafkaJS's chain of causes. This package's own
 * errors pass through unchanged.
 */
export function kafkaCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  const wrapped = serviceCall((_message, cause) => {
    const message = `${what} failed: ${describeKafkaError(cause)}`;
    return isFencing(cause)
      ? new StreamProcessingFencedError(`${message} (a newer instance with the same name took over)`, { cause })
      : new StreamProcessingServiceError(message, { cause });
  });
  return wrapped(what, call);
}

/**
 * Retries a KafkaJS admin call that failed with an error Kafka marks retriable (a leader or coordinator
 * still moving, e.g. just after a topic was created): some admin calls give up at once on those.
 */
export async function retryRetriable<T>(call: () => Promise<T>, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (attempt >= attempts || (e as { retriable?: unknown }).retriable !== true) throw e;
      await sleep(100 * 2 ** (attempt - 1)); // a back-off between attempts, not a wait for a condition
    }
  }
}
