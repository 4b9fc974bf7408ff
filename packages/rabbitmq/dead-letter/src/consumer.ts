// A consumer that acks what its handler finished and dead-letters what it threw on: basic.nack with
// requeue=false, so a message that fails is parked (its queue's dead-letter exchange) with an x-death
// entry saying so, instead of going back to the head of the queue to fail again. The naive variant
// (src/naive.ts) is the same consumer with requeue=true.
import type { ChannelModel, ConsumeMessage } from 'amqplib';
import { DeadLetterServiceError, brokerCall, check } from './errors.ts';
import { checkConnection, checkName } from './topology.ts';
import { parseXDeath, type DeathHistory } from './x-death.ts';

export interface Delivery {
  readonly content: Buffer;
  readonly messageId: string | undefined;
  readonly headers: Readonly<Record<string, unknown>>;
  /** The broker delivered it before to a consumer that did not settle it, or that requeued it. */
  readonly redelivered: boolean;
  /** Quorum queues: how many times it was returned before this delivery (x-delivery-count); undefined on its first delivery and on classic queues. */
  readonly deliveryCount: number | undefined;
  /** Its dead-letter history (x-death), parsed when first read: throws DeadLetterHeaderError if malformed. */
  readonly history: DeathHistory;
}

export interface ConsumerOptions {
  /** Most unacked messages the broker hands this consumer at a time (1-65535); also how many handlers run at once. */
  prefetch: number;
  /** Does the work. Resolve → ack. Throw → dead-letter (nack, requeue=false). */
  handler: (delivery: Delivery) => Promise<void> | void;
  /** Observes handler errors, after the message was settled. */
  onHandlerError?: (error: unknown, delivery: Delivery) => void;
}

export interface ConsumerStats {
  received: number;
  acked: number;
  /** Handler threw: nacked with requeue=false (dead-lettered, or dropped on a queue without a dead-letter exchange). */
  deadLettered: number;
  /** Handler threw: nacked with requeue=true (the naive variant only). */
  requeued: number;
}

/** `running` until stop() (`stopping`, `stopped`) or until the channel or the consumer is lost (`failed`: `done` rejects). */
export type ConsumerState = 'running' | 'stopping' | 'stopped' | 'failed';

export interface Consumer {
  readonly queue: string;
  readonly state: ConsumerState;
  readonly stats: Readonly<ConsumerStats>;
  /** Resolves when stop() has finished; rejects with DeadLetterServiceError if the channel closes or the queue is deleted. */
  readonly done: Promise<void>;
  /** Cancels the consumer, waits for running handlers to settle their messages, closes the channel. Idempotent. */
  stop(): Promise<void>;
}

/** What a failed handler's message gets: the pattern dead-letters it, the naive variant requeues it. */
export type FailureAction = 'dead-letter' | 'requeue';

/** Consumes `queue` (declared already, e.g. by declareDeadLettering) and dead-letters the messages whose handler throws. */
export function consume(connection: ChannelModel, queue: string, options: ConsumerOptions): Promise<Consumer> {
  return startConsumer(connection, queue, options, 'dead-letter');
}

/** The consumer, with the action on failure as a parameter (for src/naive.ts). */
export async function startConsumer(
  connection: ChannelModel,
  queue: string,
  options: ConsumerOptions,
  onFailure: FailureAction,
): Promise<Consumer> {
  checkConnection(connection);
  checkName('queue', queue);
  check.kind(
    typeof options === 'object' && options !== null,
    'options',
    'must be an object { prefetch, handler }',
    options,
  );
  const { prefetch, handler, onHandlerError } = options;
  check.intIn('options.prefetch', prefetch, 1, 65_535);
  check.fn('options.handler', handler);
  if (onHandlerError !== undefined) check.fn('options.onHandlerError', onHandlerError);

  const channel = await brokerCall(`opening a channel to consume "${queue}"`, () => connection.createChannel());
  const stats: ConsumerStats = { received: 0, acked: 0, deadLettered: 0, requeued: 0 };
  let state: ConsumerState = 'running';
  let running = 0;
  const idle: Array<() => void> = [];
  let ending!: { resolve: () => void; reject: (e: Error) => void };
  const done = new Promise<void>((resolve, reject) => (ending = { resolve, reject }));
  done.catch(() => {}); // observed through `done` by whoever cares
  const fail = (e: Error): void => {
    if (state !== 'running') return;
    state = 'failed';
    ending.reject(e);
  };
  let channelError: Error | undefined;
  channel.on('error', (e: Error) => (channelError = e));
  channel.once('close', () =>
    fail(
      new DeadLetterServiceError(
        `the channel consuming "${queue}" closed${channelError ? ` (${channelError.message})` : ''}; its unacked messages go back to the queue`,
        { cause: channelError },
      ),
    ),
  );

  /** ack / nack throw on a closed channel (the broker takes the message back itself): counted only when written. */
  const settle = (op: () => void, counter: keyof ConsumerStats): void => {
    try {
      op();
      stats[counter]++;
    } catch (e) {
      fail(
        new DeadLetterServiceError(`settling a message from "${queue}" failed: ${(e as Error).message}`, { cause: e }),
      );
    }
  };

  const describe = (msg: ConsumeMessage): Delivery => {
    const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
    const count = headers['x-delivery-count'];
    let history: DeathHistory | undefined;
    return {
      content: msg.content,
      messageId: msg.properties.messageId as string | undefined,
      headers,
      redelivered: msg.fields.redelivered,
      deliveryCount: typeof count === 'number' ? count : undefined,
      get history() {
        return (history ??= parseXDeath(headers));
      },
    };
  };

  async function handle(msg: ConsumeMessage): Promise<void> {
    const delivery = describe(msg);
    try {
      await handler(delivery);
    } catch (e) {
      if (onFailure === 'dead-letter') settle(() => channel.nack(msg, false, false), 'deadLettered');
      else settle(() => channel.nack(msg, false, true), 'requeued');
      onHandlerError?.(e, delivery);
      return;
    }
    settle(() => channel.ack(msg), 'acked');
  }

  function onMessage(msg: ConsumeMessage | null): void {
    if (msg === null) {
      fail(new DeadLetterServiceError(`the broker cancelled the consumer on "${queue}" (was the queue deleted?)`));
      return;
    }
    stats.received++;
    running++;
    void handle(msg).finally(() => {
      if (--running === 0) for (const wake of idle.splice(0)) wake();
    });
  }

  let consumerTag: string;
  try {
    await brokerCall(`setting prefetch ${prefetch} on "${queue}"`, () => channel.prefetch(prefetch));
    ({ consumerTag } = await brokerCall(`consuming from "${queue}"`, () =>
      channel.consume(queue, onMessage, { noAck: false }),
    ));
  } catch (e) {
    state = 'failed';
    await channel.close().catch(() => {});
    throw e;
  }

  let stopped: Promise<void> | undefined;
  return {
    queue,
    get state() {
      return state;
    },
    stats,
    done,
    stop() {
      stopped ??= (async () => {
        const failed = state === 'failed';
        if (state === 'running') state = 'stopping';
        if (!failed) await channel.cancel(consumerTag).catch(() => {});
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
