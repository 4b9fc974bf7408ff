// Every error this package throws carries a brand and a code, so a caller can tell "the broker refused
// my message" from "the channel died before it answered" from "you passed prefetch -1" without
// matching message strings.

const brand = Symbol.for('poc.rabbitmq-work-queue.error');

export type WorkQueueErrorCode = 'argument' | 'not-confirmed' | 'service';

export abstract class WorkQueueError extends Error {
  readonly [brand] = true;
  abstract readonly code: WorkQueueErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class WorkQueueArgumentError extends WorkQueueError {
  readonly code = 'argument';
}

/**
 * Why the broker did not take responsibility for a message:
 * - `nacked`: it answered basic.nack (e.g. a full queue with `x-overflow: reject-publish`);
 * - `unroutable`: no queue took it (returned as mandatory; the queue was deleted);
 * - `closed`: the channel or connection closed before the broker answered — it may or may not have it.
 */
export type NotConfirmedReason = 'nacked' | 'unroutable' | 'closed';

/** A publish the broker did not confirm. `messageIds` lists every message of the call that was not confirmed. */
export class PublishNotConfirmedError extends WorkQueueError {
  readonly code = 'not-confirmed';
  readonly reason: NotConfirmedReason;
  readonly messageIds: readonly string[];
  constructor(message: string, reason: NotConfirmedReason, messageIds: readonly string[], options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
    this.messageIds = messageIds;
  }
}

/** RabbitMQ refused an operation or went away: declaring a queue, consuming, a channel that closed under a worker. */
export class WorkQueueServiceError extends WorkQueueError {
  readonly code = 'service';
}

export const isWorkQueueError = (e: unknown): e is WorkQueueError =>
  typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[brand] === true;
export const isPublishNotConfirmedError = (e: unknown): e is PublishNotConfirmedError =>
  isWorkQueueError(e) && e.code === 'not-confirmed';
export const isWorkQueueServiceError = (e: unknown): e is WorkQueueServiceError =>
  isWorkQueueError(e) && e.code === 'service';

// --- argument checks -----------------------------------------------------------------------------

const show = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : String(v));

export function requireArg(ok: boolean, name: string, rule: string, value: unknown): asserts ok {
  if (!ok) throw new WorkQueueArgumentError(`${name} ${rule} (got ${show(value)})`);
}

/** Like requireArg, but reports the value's type rather than the value (connections, functions, payloads). */
export function requireKind(ok: boolean, name: string, rule: string, value: unknown): asserts ok {
  if (!ok) throw new WorkQueueArgumentError(`${name} ${rule} (got ${value === null ? 'null' : typeof value})`);
}

/** Runs one broker call and turns its failure into a WorkQueueServiceError that says what was being done. */
export async function brokerCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (isWorkQueueError(e)) throw e;
    throw new WorkQueueServiceError(`${what} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
