// A work queue on RabbitMQ: a durable queue, persistent JSON messages, a publisher whose publish()
// resolves only once the broker has confirmed the message, and workers that ack after their handler
// succeeded. Prefetch bounds how many unacked messages the broker hands each worker; concurrency bounds
// how many of them it works on at once.
import { randomUUID } from 'node:crypto';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import {
  PublishNotConfirmedError,
  WorkQueueServiceError,
  brokerCall,
  requireArg,
  requireKind,
  type NotConfirmedReason,
} from './errors.ts';

export interface QueueOptions {
  /** The queue survives a broker restart (default true). Both sides declare the queue with the same options. */
  durable?: boolean;
  /** Extra queue arguments: x-max-length, x-overflow, x-dead-letter-exchange, x-queue-type ... */
  arguments?: Record<string, unknown>;
}

export interface PublisherOptions extends QueueOptions {
  /** Messages are written to disk (delivery mode 2) and survive a restart of a durable queue (default true). */
  persistent?: boolean;
  /**
   * Publisher confirms (default true): publish() resolves only when the broker has taken responsibility
   * for the message. With false, publish() resolves once the message is handed to the socket — a broker
   * crash or a full queue loses it without anyone hearing about it.
   */
  confirms?: boolean;
}

export interface Publisher<T> {
  readonly queue: string;
  readonly confirms: boolean;
  /** Publishes one message; resolves with its messageId once confirmed. Rejects with PublishNotConfirmedError. */
  publish(payload: T, options?: { messageId?: string }): Promise<string>;
  /** Publishes a batch, then waits once for all of its confirms. Rejects listing every unconfirmed messageId. */
  publishAll(payloads: readonly T[]): Promise<string[]>;
  /** Waits for outstanding confirms, then closes the channel (not the connection, which is the caller's). */
  close(): Promise<void>;
}

/** What to do with a message whose handler threw. */
export type FailurePolicy = 'requeue-once' | 'requeue' | 'reject';

export interface Delivery {
  readonly messageId: string | undefined;
  /** True when the broker delivered this message before (to a worker that did not ack it). */
  readonly redelivered: boolean;
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
   * After a handler throws: `requeue-once` (default) nacks with requeue the first time and rejects
   * (dead-letters, if the queue has a dead-letter exchange, else drops) a message that was already
   * redelivered, so a poison message cannot loop forever; `requeue` always requeues; `reject` never does.
   */
  onFailure?: FailurePolicy;
  /** Observes handler errors (the policy above has already been applied). */
  onHandlerError?: (error: unknown, delivery: Delivery) => void;
}

export interface WorkerStats {
  /** Messages the broker delivered to this worker (prefetched ones included). */
  received: number;
  acked: number;
  requeued: number;
  rejected: number;
}

export interface Worker {
  readonly queue: string;
  readonly consumerTag: string;
  readonly prefetch: number;
  readonly concurrency: number;
  /** Handlers running now. */
  readonly inFlight: number;
  /** Messages delivered and waiting here (unacked) for a free handler slot. */
  readonly waiting: number;
  readonly stats: Readonly<WorkerStats>;
  /**
   * Resolves when stop() has finished; rejects with WorkQueueServiceError if the channel closes or the
   * broker cancels the consumer (queue deleted) while the worker runs.
   */
  readonly done: Promise<void>;
  /** Cancels the consumer, hands back messages not started, waits for running handlers to ack or nack, closes the channel. Idempotent. */
  stop(): Promise<void>;
}

// --- checks --------------------------------------------------------------------------------------

const FAILURE_POLICIES: readonly FailurePolicy[] = ['requeue-once', 'requeue', 'reject'];

function checkConnection(connection: unknown): asserts connection is ChannelModel {
  const c = connection as Partial<ChannelModel> | null;
  requireKind(
    typeof c === 'object' &&
      c !== null &&
      typeof c.createChannel === 'function' &&
      typeof c.createConfirmChannel === 'function',
    'connection',
    'must be an amqplib connection (the ChannelModel amqplib.connect() resolves with)',
    connection,
  );
}

function checkQueue(queue: unknown): asserts queue is string {
  requireArg(typeof queue === 'string' && queue.length > 0, 'queue', 'must be a non-empty string', queue);
  requireArg(Buffer.byteLength(queue) <= 255, 'queue', 'must be at most 255 bytes', queue);
  requireArg(!queue.startsWith('amq.'), 'queue', 'must not start with "amq." (reserved by the broker)', queue);
}

function checkQueueOptions(o: QueueOptions): void {
  requireArg(o.durable === undefined || typeof o.durable === 'boolean', 'durable', 'must be a boolean', o.durable);
  requireKind(
    o.arguments === undefined || (typeof o.arguments === 'object' && o.arguments !== null),
    'arguments',
    'must be an object of queue arguments',
    o.arguments,
  );
}

function checkOptionsObject(options: unknown, rule: string): void {
  requireKind(typeof options === 'object' && options !== null, 'options', rule, options);
}

function encode(payload: unknown, name: string): Buffer {
  let json: string | undefined;
  try {
    json = JSON.stringify(payload);
  } catch (e) {
    requireKind(false, name, `must be JSON-serialisable: ${(e as Error).message.split('\n')[0]}`, payload);
  }
  requireKind(json !== undefined, name, 'must be JSON-serialisable', payload);
  return Buffer.from(json);
}

async function openChannel<C extends Channel>(queue: string, open: () => Promise<C>, o: QueueOptions): Promise<C> {
  const channel = await brokerCall(`opening a channel for queue "${queue}"`, open);
  // A channel the broker closes with an error emits 'error'; without a listener that would crash the process.
  // The error is reported where it matters instead: rejected confirms (publisher), worker.done (worker).
  channel.on('error', () => {});
  try {
    await brokerCall(`declaring queue "${queue}"`, () =>
      channel.assertQueue(queue, { durable: o.durable ?? true, arguments: o.arguments }),
    );
  } catch (e) {
    await channel.close().catch(() => {});
    throw e;
  }
  return channel;
}

/** Resolves on 'drain' or 'close', whichever comes first: a closed channel never drains. */
const drainOrClose = (channel: Channel): Promise<void> =>
  new Promise((resolve) => {
    const done = (): void => {
      channel.off('drain', done);
      channel.off('close', done);
      resolve();
    };
    channel.once('drain', done);
    channel.once('close', done);
  });

// --- publisher -----------------------------------------------------------------------------------

/** A publisher for one queue; declares the queue (durable by default) on its own channel. */
export async function publisher<T>(
  connection: ChannelModel,
  queue: string,
  options: PublisherOptions = {},
): Promise<Publisher<T>> {
  checkConnection(connection);
  checkQueue(queue);
  checkOptionsObject(options, 'must be an object');
  checkQueueOptions(options);
  const { persistent = true, confirms = true } = options;
  requireArg(typeof persistent === 'boolean', 'persistent', 'must be a boolean', persistent);
  requireArg(typeof confirms === 'boolean', 'confirms', 'must be a boolean', confirms);

  const channel: Channel | ConfirmChannel = await openChannel(
    queue,
    () => (confirms ? connection.createConfirmChannel() : connection.createChannel()),
    options,
  );
  // mandatory + confirms: a message no queue takes comes back (basic.return) before its ack, so an
  // unroutable message is reported instead of being "confirmed" into the void.
  const returned = new Set<string>();
  channel.on('return', (msg: ConsumeMessage) => {
    if (typeof msg.properties.messageId === 'string') returned.add(msg.properties.messageId);
  });
  const pending = new Set<Promise<void>>();
  let drained: Promise<void> | undefined;

  const notConfirmed = (
    reason: NotConfirmedReason,
    ids: readonly string[],
    cause?: unknown,
  ): PublishNotConfirmedError => {
    const what = ids.length === 1 ? `message ${ids[0]}` : `${ids.length} messages`;
    const why = {
      nacked: 'the broker nacked it',
      unroutable: 'no queue took it (returned as unroutable; was the queue deleted?)',
      closed: 'the channel closed before the broker confirmed it (it may or may not have been stored)',
    }[reason];
    return new PublishNotConfirmedError(
      `publishing ${what} to queue "${queue}" was not confirmed: ${why}`,
      reason,
      ids,
      { cause },
    );
  };

  /** Sends one encoded message; the promise settles with the broker's answer (or at once without confirms). */
  async function send(content: Buffer, messageId: string): Promise<void> {
    if (drained) await drained; // the socket buffer is full: let it drain before writing more
    const props = { persistent, messageId, contentType: 'application/json', mandatory: confirms };
    if (!confirms) {
      let ok: boolean;
      try {
        ok = channel.sendToQueue(queue, content, props);
      } catch (e) {
        throw notConfirmed('closed', [messageId], e);
      }
      if (!ok) drained ??= drainOrClose(channel).then(() => void (drained = undefined));
      return;
    }
    const confirmed = new Promise<void>((resolve, reject) => {
      try {
        const ok = (channel as ConfirmChannel).sendToQueue(queue, content, props, (err) => {
          if (returned.delete(messageId)) reject(notConfirmed('unroutable', [messageId]));
          else if (err === null || err === undefined) resolve();
          else reject(notConfirmed(err.message === 'message nacked' ? 'nacked' : 'closed', [messageId], err));
        });
        if (!ok) drained ??= drainOrClose(channel).then(() => void (drained = undefined));
      } catch (e) {
        reject(notConfirmed('closed', [messageId], e)); // the channel was already closed: nothing was sent
      }
    });
    pending.add(confirmed);
    const forget = (): void => void pending.delete(confirmed);
    confirmed.then(forget, forget);
    return confirmed;
  }

  return {
    queue,
    confirms,
    async publish(payload, publishOptions = {}) {
      checkOptionsObject(publishOptions, 'must be an object');
      const { messageId = randomUUID() } = publishOptions;
      requireArg(
        typeof messageId === 'string' && messageId.length > 0,
        'messageId',
        'must be a non-empty string',
        messageId,
      );
      await send(encode(payload, 'payload'), messageId);
      return messageId;
    },
    async publishAll(payloads) {
      requireKind(Array.isArray(payloads), 'payloads', 'must be an array', payloads);
      // Encode everything first: a bad payload fails the call before any message is sent.
      const batch = payloads.map((p, i) => ({ content: encode(p, `payloads[${i}]`), messageId: randomUUID() }));
      const outcomes = await Promise.allSettled(batch.map((m) => send(m.content, m.messageId)));
      const failed = outcomes.flatMap((o, i) =>
        o.status === 'rejected' ? [{ id: batch[i]!.messageId, error: o.reason as PublishNotConfirmedError }] : [],
      );
      if (failed.length > 0) {
        const first = failed[0]!.error;
        throw notConfirmed(
          first.reason,
          failed.map((f) => f.id),
          first,
        );
      }
      return batch.map((m) => m.messageId);
    },
    async close() {
      await Promise.allSettled([...pending]);
      await channel.close().catch(() => {}); // already closed (broker gone): nothing left to release
    },
  };
}

// --- worker --------------------------------------------------------------------------------------

/** Starts a consumer on `queue` (declared as by the publisher) that runs `handler` for each message. */
export async function worker<T>(connection: ChannelModel, queue: string, options: WorkerOptions<T>): Promise<Worker> {
  checkConnection(connection);
  checkQueue(queue);
  checkOptionsObject(options, 'must be an object with at least prefetch and handler');
  checkQueueOptions(options);
  const { prefetch, concurrency = 1, handler, onFailure = 'requeue-once', onHandlerError } = options;
  requireArg(
    Number.isInteger(prefetch) && prefetch >= 0 && prefetch <= 65_535,
    'prefetch',
    'must be an integer from 0 (unlimited) to 65535',
    prefetch,
  );
  requireArg(
    Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 65_535,
    'concurrency',
    'must be an integer from 1 to 65535',
    concurrency,
  );
  requireArg(
    prefetch === 0 || concurrency <= prefetch,
    'concurrency',
    `must be at most prefetch (${prefetch}): the broker never hands over more unacked messages than that`,
    concurrency,
  );
  requireKind(
    typeof handler === 'function',
    'handler',
    'must be a function (payload, delivery) => Promise<void>',
    handler,
  );
  requireArg(
    FAILURE_POLICIES.includes(onFailure),
    'onFailure',
    `must be one of ${FAILURE_POLICIES.join(', ')}`,
    onFailure,
  );
  requireKind(
    onHandlerError === undefined || typeof onHandlerError === 'function',
    'onHandlerError',
    'must be a function',
    onHandlerError,
  );

  const channel = await openChannel(queue, () => connection.createChannel(), options);
  const stats: WorkerStats = { received: 0, acked: 0, requeued: 0, rejected: 0 };
  const waiting: ConsumeMessage[] = []; // delivered (and unacked), handler not started yet
  let running = 0;
  let idle: Array<() => void> = [];
  let stopping = false;
  let channelClosed = false;
  let resolveDone!: () => void;
  let rejectDone!: (e: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  done.catch(() => {}); // observed through `done` by whoever cares; never an unhandled rejection
  const fail = (e: Error): void => {
    if (!stopping) rejectDone(e);
  };
  let channelError: Error | undefined;
  channel.on('error', (e: Error) => (channelError = e));
  channel.once('close', () => {
    channelClosed = true;
    const why = channelError ? ` (${channelError.message})` : '';
    fail(
      new WorkQueueServiceError(
        `the channel of the worker on queue "${queue}" closed${why}; its unacked messages go back to the queue`,
        { cause: channelError },
      ),
    );
  });

  /** ack / nack write to the channel; on a closed channel they throw, and the broker redelivers the message. */
  const settle = (what: string, op: () => void): void => {
    try {
      op();
    } catch (e) {
      fail(
        new WorkQueueServiceError(`${what} failed: ${(e as Error).message}; the broker will redeliver the message`, {
          cause: e,
        }),
      );
    }
  };
  const describe = (msg: ConsumeMessage): Delivery => ({
    messageId: msg.properties.messageId as string | undefined,
    redelivered: msg.fields.redelivered,
    deliveryTag: msg.fields.deliveryTag,
  });
  const label = (d: Delivery): string => `message ${d.messageId ?? `#${d.deliveryTag}`}`;
  /** Hands a message back to the queue untouched (not counted as a failure). */
  const giveBack = (msg: ConsumeMessage): void =>
    settle(`returning ${label(describe(msg))}`, () => channel.nack(msg, false, true));

  /** Runs the handler for one message, then acks it, or applies the failure policy. */
  async function handle(msg: ConsumeMessage): Promise<void> {
    const delivery = describe(msg);
    let payload: T;
    try {
      payload = JSON.parse(msg.content.toString('utf8')) as T;
    } catch (e) {
      // Not JSON: no retry will make it parse.
      stats.rejected++;
      settle(`rejecting ${label(delivery)}`, () => channel.nack(msg, false, false));
      onHandlerError?.(e, delivery);
      return;
    }
    try {
      await handler(payload, delivery);
    } catch (e) {
      const requeue = onFailure === 'requeue' || (onFailure === 'requeue-once' && !delivery.redelivered);
      if (requeue) stats.requeued++;
      else stats.rejected++;
      settle(`${requeue ? 'requeueing' : 'rejecting'} ${label(delivery)}`, () => channel.nack(msg, false, requeue));
      onHandlerError?.(e, delivery);
      return;
    }
    stats.acked++;
    settle(`acking ${label(delivery)}`, () => channel.ack(msg));
  }

  /** Starts handlers for waiting messages while fewer than `concurrency` run. */
  function pump(): void {
    while (!stopping && running < concurrency && waiting.length > 0) {
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
    if (stopping)
      giveBack(msg); // delivered after stop() began, before the cancel took effect
    else {
      waiting.push(msg);
      pump();
    }
  }

  let consumerTag: string;
  try {
    await brokerCall(`setting prefetch ${prefetch} on queue "${queue}"`, () => channel.prefetch(prefetch));
    ({ consumerTag } = await brokerCall(`consuming from queue "${queue}"`, () =>
      channel.consume(queue, onMessage, { noAck: false }),
    ));
  } catch (e) {
    stopping = true;
    await channel.close().catch(() => {});
    throw e;
  }

  let stopped: Promise<void> | undefined;
  return {
    queue,
    consumerTag,
    prefetch,
    concurrency,
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
        stopping = true;
        // 1. No new deliveries. 2. Messages not started go back at once. 3. Running handlers ack or nack.
        // 4. Close the channel: anything still unacked is requeued by the broker.
        if (!channelClosed) await channel.cancel(consumerTag).catch(() => {});
        for (const msg of waiting.splice(0)) giveBack(msg);
        while (running > 0) await new Promise<void>((wake) => idle.push(wake));
        if (!channelClosed) await channel.close().catch(() => {});
        resolveDone();
      })();
      return stopped;
    },
  };
}
