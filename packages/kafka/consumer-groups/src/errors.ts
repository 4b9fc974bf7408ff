// Every error this package throws is a GroupError with a code: "you passed a bad argument" vs "Kafka
// failed", told apart by one guard, `isGroupError(e, 'service')`, without matching message strings.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type GroupErrorCode = 'argument' | 'service' | 'handler';

const describe = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

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

/**
 * The caller's handler threw; `cause` is what it threw. KafkaJS stops a consumer for good, without
 * telling anyone, when a handler throws a TypeError, SyntaxError, RangeError or ReferenceError (it
 * takes them for bugs of its own); wrapped in this error, which says it is `retriable`, a handler's
 * failure is retried like any other instead.
 */
export class GroupHandlerError extends GroupError {
  readonly code = 'handler';
  /** Read by KafkaJS's retrier. */
  readonly retriable = true;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  constructor(topic: string, partition: number, offset: string, cause: unknown) {
    super(`handling ${topic}/${partition}@${offset} failed: ${describe(cause)}`, { cause });
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
  }
}

export type AnyGroupError = GroupArgumentError | GroupServiceError | GroupHandlerError;
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
    (_message, cause) => new GroupServiceError(`${what} failed: ${describe(cause)}`, { cause }),
  );
  return wrapped(what, call);
}

/**
 * Runs the caller's handler for one message. What it throws reaches KafkaJS as a GroupHandlerError
 * (retried), except KafkaJS's own errors, which pass unchanged: a heartbeat the handler sent that
 * says "rebalance in progress" must still make the member rejoin.
 */
export async function runHandler(
  where: { topic: string; partition: number; offset: string },
  handler: () => Promise<void>,
): Promise<void> {
  try {
    await handler();
  } catch (e) {
    if (e instanceof Error && e.name.startsWith('KafkaJS')) throw e;
    throw new GroupHandlerError(where.topic, where.partition, where.offset, e);
  }
}

/**
 * What KafkaJS reported as a crash, as this package's error: the GroupHandlerError in its chain of
 * causes (a handler kept failing), or a GroupServiceError wrapping it.
 */
export function crashError(topic: string, error: unknown): GroupHandlerError | GroupServiceError {
  let inner: unknown = error;
  for (let depth = 0; inner instanceof Error && depth < 5; depth++) {
    if (isGroupError(inner, 'handler')) return inner;
    inner = inner.cause ?? (inner as { originalError?: unknown }).originalError;
  }
  return new GroupServiceError(`the consumer of "${topic}" crashed: ${describe(error)}`, { cause: error });
}
