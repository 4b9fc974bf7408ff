// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed broker from a failed run of Kafka's perf tool with one guard.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type PerformanceErrorCode = 'argument' | 'service' | 'tool';

/** Base of every error this package throws: `isPerformanceError(e, code?)` tells them apart. */
export abstract class PerformanceError extends PocError {
  readonly scope = 'poc-kafka-performance';
  abstract override readonly code: PerformanceErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class PerformanceArgumentError extends PerformanceError {
  readonly code = 'argument';
}

/**
 * Kafka failed or could not be reached (after KafkaJS's own retries); `cause` is KafkaJS's error. For a
 * batch, every message of it gets this error: none of them counts as acknowledged.
 */
export class PerformanceServiceError extends PerformanceError {
  readonly code = 'service';
}

/** Kafka's own perf tool could not run (no Java, no jars) or ended without its summary line. */
export class PerformanceToolError extends PerformanceError {
  readonly code = 'tool';
}

export type AnyPerformanceError = PerformanceArgumentError | PerformanceServiceError | PerformanceToolError;

/** The one guard: `isPerformanceError(e, code?)`; given a code, it narrows to that error's class. */
export const isPerformanceError = errorGuard<AnyPerformanceError>('poc-kafka-performance');

/** Argument checks that throw PerformanceArgumentError: `check.positiveInt('options.batchBytes', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new PerformanceArgumentError(p.message));

/** KafkaJS wraps the real failure (a refused connection, a timeout) in a "retries exceeded" error: show both. */
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

/** Runs one KafkaJS call; its failure becomes a PerformanceServiceError naming what was being done. */
export function kafkaCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  const wrapped = serviceCall(
    (_message, cause) => new PerformanceServiceError(`${what} failed: ${describeKafkaError(cause)}`, { cause }),
  );
  return wrapped(what, call);
}
