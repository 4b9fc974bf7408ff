// Every error this package throws is a GroupError with a code: "you passed a bad argument" vs "Kafka
// failed", told apart by one guard, `isGroupError(e, 'service')`, without matching message strings.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type GroupErrorCode = 'argument' | 'service';

/** Base of every error this package throws: `isGroupError(e, code?)` tells them apart. */
export abstract class GroupError extends PocError {
  readonly scope = 'poc-kafka-consumer-groups';
  abstract override readonly code: GroupErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class GroupArgumentError extends GroupError {
  readonly code = 'argument';
}

/** Kafka failed or could not be reached (after the client's own retries); `cause` is KafkaJS's error. */
export class GroupServiceError extends GroupError {
  readonly code = 'service';
}

export type AnyGroupError = GroupArgumentError | GroupServiceError;
/** The one guard: `isGroupError(e)`, or `isGroupError(e, 'service')` narrowed to GroupServiceError. */
export const isGroupError = errorGuard<AnyGroupError>('poc-kafka-consumer-groups');

/** Argument checks that throw GroupArgumentError: `check.positiveInt('commitEvery', v)`. */
export const check: ArgumentChecks = argumentChecks((p) => new GroupArgumentError(p.message));

/**
 * Runs one KafkaJS call; its failure becomes a GroupServiceError that says what was being done and
 * which KafkaJS error it was (e.g. "KafkaJSNumberOfRetriesExceeded: ..."); this package's own errors
 * pass through unchanged.
 */
export function kafkaCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  const wrapped = serviceCall(
    (_message, cause) =>
      new GroupServiceError(
        `${what} failed: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`,
        { cause },
      ),
  );
  return wrapped(what, call);
}
