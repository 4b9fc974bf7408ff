// A publisher that says where each message went. Every message is published as mandatory on a confirm
// channel: the broker answers basic.return (before the confirm) for a message no queue took, and
// basic.ack or basic.nack once it is done with it. publish() resolves with 'routed' or 'returned' only after
// the confirm, so "returned" is never mistaken for "sent", and the returns are counted.
import { randomUUID } from 'node:crypto';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { ExchangesServiceError, PublishNackedError, brokerCall, check } from './errors.ts';
import { checkKey } from './topic.ts';
import { checkConnection } from './topology.ts';

/** What the broker did with a confirmed message: put it in at least one queue, or returned it as unroutable. */
export type PublishOutcome = 'routed' | 'returned';

/** A message the broker handed back (basic.return): no binding of the exchange, nor of its alternates, took it. */
export interface ReturnedMessage {
  readonly messageId: string;
  readonly exchange: string;
  readonly routingKey: string;
  /** 312 (NO_ROUTE) for an unroutable mandatory message. */
  readonly replyCode: number;
  readonly replyText: string;
  readonly content: Buffer;
}

export interface PublisherStats {
  /** Messages handed to the channel. */
  published: number;
  /** Confirmed and not returned: in at least one queue (perhaps through an alternate exchange). */
  routed: number;
  /** Confirmed after a basic.return: in no queue. */
  returned: number;
  /** Refused by the broker (basic.nack). */
  nacked: number;
}

export interface PublishOptions {
  /** Headers (what a headers exchange matches on). */
  headers?: Record<string, unknown>;
  /** The message's id (default a random UUID); it pairs a basic.return with its publish, so no two in flight may share one. */
  messageId?: string;
}

export interface PublisherOptions {
  /** Persistent messages (delivery mode 2): kept across a broker restart in durable queues (default true). */
  persistent?: boolean;
}

export interface Publisher {
  readonly stats: Readonly<PublisherStats>;
  /**
   * Publishes one message as mandatory and resolves once the broker confirms it: 'routed' or 'returned'.
   * Rejects with PublishNackedError (basic.nack) or ExchangesServiceError (the channel closed first: the
   * message may or may not have been routed).
   */
  publish(
    exchange: string,
    routingKey: string,
    content: Buffer | string,
    options?: PublishOptions,
  ): Promise<PublishOutcome>;
  /** Calls `listener` for every returned message; returns the function that unsubscribes it. */
  onReturn(listener: (message: ReturnedMessage) => void): () => void;
  /** Waits for outstanding confirms, then closes the channel (the connection is the caller's). */
  close(): Promise<void>;
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

/** A publisher on its own confirm channel of `connection`. */
export async function publisher(connection: ChannelModel, options: PublisherOptions = {}): Promise<Publisher> {
  checkConnection(connection);
  check.options('options', options);
  const { persistent = true } = options;
  check.that(typeof persistent === 'boolean', 'options.persistent', 'must be a boolean', persistent);

  const channel = await brokerCall('opening a confirm channel', () => connection.createConfirmChannel());
  // A channel the broker closes emits 'error' (why), then 'close', which fails the pending confirms: they report the why.
  let channelError: Error | undefined;
  channel.on('error', (e: Error) => (channelError = e));
  const stats: PublisherStats = { published: 0, routed: 0, returned: 0, nacked: 0 };
  const listeners = new Set<(m: ReturnedMessage) => void>();
  const inFlight = new Set<string>(); // message ids waiting for their confirm
  const returned = new Set<string>(); // ... of which the broker returned these
  const pending = new Set<Promise<unknown>>();
  let drained: Promise<void> | undefined;

  channel.on('return', (msg: ConsumeMessage) => {
    const id = msg.properties.messageId as unknown;
    if (typeof id !== 'string' || !inFlight.has(id)) return;
    returned.add(id);
    const fields = msg.fields as ConsumeMessage['fields'] & { replyCode: number; replyText: string };
    const message: ReturnedMessage = {
      messageId: id,
      exchange: fields.exchange,
      routingKey: fields.routingKey,
      replyCode: fields.replyCode,
      replyText: fields.replyText,
      content: msg.content,
    };
    for (const listener of listeners) listener(message);
  });

  async function publish(
    exchange: string,
    routingKey: string,
    content: Buffer | string,
    publishOptions: PublishOptions = {},
  ): Promise<PublishOutcome> {
    check.that(typeof exchange === 'string', 'exchange', 'must be a string ("" is the default exchange)', exchange);
    checkKey('routingKey', routingKey);
    check.kind(
      typeof content === 'string' || Buffer.isBuffer(content),
      'content',
      'must be a Buffer or a string',
      content,
    );
    check.options('options', publishOptions);
    const { headers, messageId = randomUUID() } = publishOptions;
    check.options('options.headers', headers);
    check.name('options.messageId', messageId);
    check.that(
      !inFlight.has(messageId),
      'options.messageId',
      'must not be the id of a message still waiting for its confirm',
      messageId,
    );

    if (drained) await drained; // the socket buffer is full: let it drain before writing more
    inFlight.add(messageId);
    const body = typeof content === 'string' ? Buffer.from(content) : content;
    const outcome = new Promise<PublishOutcome>((resolve, reject) => {
      const what = `message ${messageId} to exchange "${exchange}" with key "${routingKey}"`;
      const settle = (err: unknown): void => {
        inFlight.delete(messageId);
        const wasReturned = returned.delete(messageId);
        if (err === null || err === undefined) {
          stats[wasReturned ? 'returned' : 'routed']++;
          resolve(wasReturned ? 'returned' : 'routed');
        } else if ((err as Error).message === 'message nacked') {
          stats.nacked++;
          reject(new PublishNackedError(`publishing ${what} failed: the broker nacked it`, messageId));
        } else {
          reject(
            new ExchangesServiceError(
              `publishing ${what} was not confirmed: ${(channelError ?? (err as Error)).message} (it may or may not have been routed)`,
              { cause: channelError ?? err },
            ),
          );
        }
      };
      try {
        const ok = channel.publish(
          exchange,
          routingKey,
          body,
          { mandatory: true, persistent, messageId, headers },
          settle,
        );
        stats.published++;
        if (!ok) drained ??= drainOrClose(channel).then(() => void (drained = undefined));
      } catch (e) {
        settle(e); // the channel was already closed: nothing was sent
      }
    });
    pending.add(outcome);
    const forget = (): void => void pending.delete(outcome);
    outcome.then(forget, forget);
    return outcome;
  }

  return {
    stats,
    publish,
    onReturn(listener) {
      check.fn('listener', listener);
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    async close() {
      await Promise.allSettled([...pending]);
      await channel.close().catch(() => {}); // already closed (broker gone): nothing left to release
    },
  };
}
