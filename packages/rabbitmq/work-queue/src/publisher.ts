// The publishing side: persistent JSON messages on a confirm channel, so publish() resolves only once
// the broker has taken responsibility for the message, and rejects saying why when it has not.
import { randomUUID } from 'node:crypto';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { PublishNotConfirmedError, check, type NotConfirmedReason } from './errors.ts';
import { checkConnection, checkQueue, checkQueueOptions, openChannel, type QueueOptions } from './queue.ts';

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

function encode(payload: unknown, name: string): Buffer {
  let json: string | undefined;
  try {
    json = JSON.stringify(payload);
  } catch (e) {
    check.kind(false, name, `must be JSON-serialisable: ${(e as Error).message.split('\n')[0]}`, payload);
  }
  check.kind(json !== undefined, name, 'must be JSON-serialisable', payload);
  return Buffer.from(json);
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

/** A publisher for one queue; declares the queue (durable by default) on its own channel. */
export async function publisher<T>(
  connection: ChannelModel,
  queue: string,
  options: PublisherOptions = {},
): Promise<Publisher<T>> {
  checkConnection(connection);
  checkQueue(queue);
  check.options('options', options);
  checkQueueOptions(options);
  const { persistent = true, confirms = true } = options;
  check.that(typeof persistent === 'boolean', 'persistent', 'must be a boolean', persistent);
  check.that(typeof confirms === 'boolean', 'confirms', 'must be a boolean', confirms);

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
      check.options('options', publishOptions);
      const { messageId = randomUUID() } = publishOptions;
      check.name('messageId', messageId);
      await send(encode(payload, 'payload'), messageId);
      return messageId;
    },
    async publishAll(payloads) {
      check.kind(Array.isArray(payloads), 'payloads', 'must be an array', payloads);
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
