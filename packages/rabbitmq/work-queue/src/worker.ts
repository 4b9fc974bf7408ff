// The consuming side: a consumer with manual acks that runs a handler per message and acks only after it
// succeeded. Prefetch bounds how many unacked messages the broker hands this worker; concurrency bounds
// how many of them it works on at once. A retry is a confirmed copy of the message carrying its failure
// count in a header, so only handler failures count as tries (not a stop, a crash or a lost channel).
import type { ChannelModel, ConsumeMessage } from 'amqplib';
import { WorkQueueServiceError, brokerCall, check } from './errors.ts';
import { checkConnection, checkQueue, checkQueueOptions, openChannel, type QueueOptions } from './queue.ts';
import { failedAttemptsOf, publishRetryCopy } from './retry.ts';

/** What to do with a message whose handler threw. */
export type FailurePolicy = 'requeue-once' | 'requeue' | 'reject';

export interface Delivery {
  readonly messageId: string | undefined;
  /**
   * True when the broker delivered this message before to a consumer that did not settle it: a worker that
   * stopped before starting it, crashed, or lost its channel. Says nothing about failures: see `failedAttempts`.
   */
  readonly redelivered: boolean;
  /** Handler runs of this message that threw before this delivery (the `x-failed-attempts` header; 0 at first). */
  readonly failedAttempts: number;
  readonly deliveryTag: number;
}

export interface WorkerOptions<T> extends QueueOptions {
  /**
   * Most unacked messages the broker hands this worker at a time (0 = unlimited: the broker pushes
   * everything it has, whether or not the worker can keep up). 1 gives fair dispatch across workers of
   * different speeds; a few more hide the round trip between an ack and the next delivery.
   */
  prefetch: number;
  /** Handlers running at once (default 1); the other prefetched messages wait, unacked, in this worker. At most prefetch. */
  concurrency?: number;
  /** Does the work. Resolve → ack. Throw → `onFailure`. Messages arrive at least once: make it idempotent. */
  handler: (payload: T, delivery: Delivery) => Promise<void> | void;
  /**
   * After a handler throws: `requeue-once` (default) retries the first failure and rejects (dead-letters,
   * if the queue has a dead-letter exchange, else drops) a message whose handler had already failed once,
   * so a poison message cannot loop forever; `requeue` always retries; `reject` never does. A retry
   * publishes a copy (same body, properties and messageId, `x-failed-attempts` + 1) to the back of the
   * queue, waits for the broker's confirm, then acks the original. Only handler failures count: a message
   * handed back by stop(), or redelivered after a crash or a lost channel, keeps its count.
   */
  onFailure?: FailurePolicy;
  /** Observes handler errors (the policy above has already been applied). */
  onHandlerError?: (error: unknown, delivery: Delivery) => void;
}

/**
 * What this worker did, counted only once the ack or nack was written to the channel without an error:
 * an operation that threw (the channel had closed) is not counted, and the broker redelivers the message.
 * A written ack is not a receipt: if the connection dies before the broker reads it, the message comes
 * back too (AMQP has no reply to basic.ack). Messages handed back by stop() are in none of the last three.
 */
export interface WorkerStats {
  /** Messages the broker delivered to this worker (prefetched ones included). */
  received: number;
  /** Handler succeeded and the ack was written. */
  acked: number;
  /** Handler threw and the message was put back for another try: a confirmed retry copy and the original acked, or (copy refused) the original nacked with requeue. */
  requeued: number;
  /** Handler threw (or the body was not JSON) and the reject (nack without requeue) was written. */
  rejected: number;
}

/**
 * `running` until stop() (`stopping`, then `stopped`: `done` resolves) or until the broker side fails under
 * it (`failed`: `done` rejects). Only a running worker starts handlers.
 */
export type WorkerState = 'running' | 'stopping' | 'stopped' | 'failed';

export interface Worker {
  readonly queue: string;
  readonly consumerTag: string;
  readonly prefetch: number;
  readonly concurrency: number;
  readonly state: WorkerState;
  /** Handlers running now. */
  readonly inFlight: number;
  /** Messages delivered and waiting here (unacked) for a free handler slot. */
  readonly waiting: number;
  readonly stats: Readonly<WorkerStats>;
  /**
   * Resolves when stop() has finished; rejects with WorkQueueServiceError if the channel closes, an ack
   * cannot be written or the broker cancels the consumer (queue deleted) while the worker runs. From then on
   * the worker starts no handler; the messages it had not started go back to the queue.
   */
  readonly done: Promise<void>;
  /**
   * Cancels the consumer, hands back messages not started (nack with requeue: the broker marks them
   * redelivered; their failure count is unchanged), waits for running handlers to ack, retry or reject,
   * closes the channel. Idempotent.
   */
  stop(): Promise<void>;
}

const FAILURE_POLICIES: readonly FailurePolicy[] = ['requeue-once', 'requeue', 'reject'];

/** Starts a consumer on `queue` (declared as by the publisher) that runs `handler` for each message. */
export async function worker<T>(connection: ChannelModel, queue: string, options: WorkerOptions<T>): Promise<Worker> {
  checkConnection(connection);
  checkQueue(queue);
  check.kind(
    typeof options === 'object' && options !== null,
    'options',
    'must be an object with at least prefetch and handler',
    options,
  );
  checkQueueOptions(options);
  const { prefetch, concurrency = 1, handler, onFailure = 'requeue-once', onHandlerError } = options;
  check.intIn('prefetch', prefetch, 0, 65_535);
  check.intIn('concurrency', concurrency, 1, 65_535);
  check.that(
    prefetch === 0 || concurrency <= prefetch,
    'concurrency',
    `must be at most prefetch (${prefetch}): the broker never hands over more unacked messages than that`,
    concurrency,
  );
  check.kind(
    typeof handler === 'function',
    'handler',
    'must be a function (payload, delivery) => Promise<void>',
    handler,
  );
  check.oneOf('onFailure', onFailure, FAILURE_POLICIES);
  if (onHandlerError !== undefined) check.fn('onHandlerError', onHandlerError);

  // A confirm channel: a retry copy must be the broker's before the original is acked.
  const channel = await openChannel(queue, () => connection.createConfirmChannel(), options);
  const stats: WorkerStats = { received: 0, acked: 0, requeued: 0, rejected: 0 };
  const waiting: ConsumeMessage[] = []; // delivered (and unacked), handler not started yet
  let state: WorkerState = 'running';
  let running = 0;
  let idle: Array<() => void> = [];
  let ending!: { resolve: () => void; reject: (e: Error) => void };
  const done = new Promise<void>((resolve, reject) => (ending = { resolve, reject }));
  done.catch(() => {}); // observed through `done` by whoever cares; never an unhandled rejection

  /** The broker side failed under a running worker: report it once and start nothing more. */
  const fail = (e: Error): void => {
    if (state !== 'running') return; // stopping: the end was asked for; failed: already reported
    state = 'failed';
    ending.reject(e);
    // Not started: hand them back (a live channel whose consumer was cancelled). On a dead channel this
    // cannot be written, and need not be: the broker has taken every unacked message back already.
    for (const msg of waiting.splice(0)) giveBack(msg);
  };
  let channelError: Error | undefined;
  channel.on('error', (e: Error) => (channelError = e));
  channel.once('close', () => {
    const why = channelError ? ` (${channelError.message})` : '';
    fail(
      new WorkQueueServiceError(
        `the channel of the worker on queue "${queue}" closed${why}; its unacked messages go back to the queue`,
        { cause: channelError },
      ),
    );
  });

  /**
   * ack / nack write to the channel; on a closed channel they throw, and the broker redelivers the message.
   * True when written: only then does the caller count it.
   */
  const settle = (what: string, op: () => void): boolean => {
    try {
      op();
      return true;
    } catch (e) {
      fail(
        new WorkQueueServiceError(`${what} failed: ${(e as Error).message}; the broker will redeliver the message`, {
          cause: e,
        }),
      );
      return false;
    }
  };
  const describe = (msg: ConsumeMessage): Delivery => ({
    messageId: msg.properties.messageId as string | undefined,
    redelivered: msg.fields.redelivered,
    failedAttempts: failedAttemptsOf(msg),
    deliveryTag: msg.fields.deliveryTag,
  });
  const label = (d: Delivery): string => `message ${d.messageId ?? `#${d.deliveryTag}`}`;
  /** Hands a message back to the queue untouched (not counted as a failure). */
  function giveBack(msg: ConsumeMessage): void {
    settle(`returning ${label(describe(msg))}`, () => channel.nack(msg, false, true));
  }

  /** Rejects (dead-letters or drops) a message; counted once the nack is written. */
  function rejectMessage(msg: ConsumeMessage, delivery: Delivery): void {
    if (settle(`rejecting ${label(delivery)}`, () => channel.nack(msg, false, false))) stats.rejected++;
  }

  /**
   * Puts a failed message back for another try with its failure count + 1: a copy at the back of the queue,
   * confirmed by the broker, then the original acked. A crash between the two leaves both (a duplicate),
   * never neither. If the broker refuses the copy (a full queue with reject-publish), the original is
   * requeued as it is, its count unchanged.
   */
  async function retry(msg: ConsumeMessage, delivery: Delivery): Promise<void> {
    try {
      await publishRetryCopy(channel, queue, msg, delivery.failedAttempts + 1);
    } catch {
      // Refused, or the channel closed before the confirm (then the nack below cannot be written either, and
      // the broker requeues the original itself; the copy may exist too).
      if (settle(`requeueing ${label(delivery)}`, () => channel.nack(msg, false, true))) stats.requeued++;
      return;
    }
    if (settle(`acking ${label(delivery)} after its retry was confirmed`, () => channel.ack(msg))) stats.requeued++;
  }

  /** Runs the handler for one message, then acks it, or applies the failure policy. */
  async function handle(msg: ConsumeMessage): Promise<void> {
    const delivery = describe(msg);
    let payload: T;
    try {
      payload = JSON.parse(msg.content.toString('utf8')) as T;
    } catch (e) {
      rejectMessage(msg, delivery); // not JSON: no retry will make it parse
      onHandlerError?.(e, delivery);
      return;
    }
    try {
      await handler(payload, delivery);
    } catch (e) {
      const again = onFailure === 'requeue' || (onFailure === 'requeue-once' && delivery.failedAttempts === 0);
      if (again) await retry(msg, delivery);
      else rejectMessage(msg, delivery);
      onHandlerError?.(e, delivery);
      return;
    }
    if (settle(`acking ${label(delivery)}`, () => channel.ack(msg))) stats.acked++;
  }

  /** Starts handlers for waiting messages while the worker runs and fewer than `concurrency` are busy. */
  function pump(): void {
    while (state === 'running' && running < concurrency && waiting.length > 0) {
      const msg = waiting.shift()!;
      running++;
      void handle(msg).finally(() => {
        running--;
        if (running === 0) {
          for (const wake of idle) wake();
          idle = [];
        }
        pump();
      });
    }
  }

  function onMessage(msg: ConsumeMessage | null): void {
    if (msg === null) {
      fail(new WorkQueueServiceError(`the broker cancelled the consumer on queue "${queue}" (was the queue deleted?)`));
      return;
    }
    stats.received++;
    if (state === 'running') {
      waiting.push(msg);
      pump();
    } else giveBack(msg); // delivered after stop() began, before the cancel took effect
  }

  let consumerTag: string;
  try {
    await brokerCall(`setting prefetch ${prefetch} on queue "${queue}"`, () => channel.prefetch(prefetch));
    ({ consumerTag } = await brokerCall(`consuming from queue "${queue}"`, () =>
      channel.consume(queue, onMessage, { noAck: false }),
    ));
  } catch (e) {
    state = 'failed'; // the caller gets the error; `done` is never handed out
    await channel.close().catch(() => {});
    throw e;
  }

  let stopped: Promise<void> | undefined;
  return {
    queue,
    consumerTag,
    prefetch,
    concurrency,
    get state() {
      return state;
    },
    get inFlight() {
      return running;
    },
    get waiting() {
      return waiting.length;
    },
    stats,
    done,
    stop() {
      stopped ??= (async () => {
        // A failed worker has no consumer left (the broker cancelled it, or its channel is gone) and stays 'failed'.
        const failed = state === 'failed';
        if (state === 'running') state = 'stopping';
        // 1. No new deliveries. 2. Messages not started go back at once. 3. Running handlers ack or nack.
        // 4. Close the channel: anything still unacked is requeued by the broker (already closed: nothing to do).
        if (!failed) await channel.cancel(consumerTag).catch(() => {});
        for (const msg of waiting.splice(0)) giveBack(msg);
        while (running > 0) await new Promise<void>((wake) => idle.push(wake));
        await channel.close().catch(() => {});
        if (state === 'stopping') {
          state = 'stopped';
          ending.resolve();
        }
      })();
      return stopped;
    },
  };
}
