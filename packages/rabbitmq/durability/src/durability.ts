// What survives a broker restart is decided by three settings, and only all three together keep a
// message: a durable queue (its definition is recovered), persistent messages (delivery mode 2: written to
// the node's message store) and publisher confirms (the broker's word that it has written them). A queue
// opened here says which of the three it has, and its publish() reports what the broker confirmed.
import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib';
import { PublishNotConfirmedError, check, rabbitmqCall } from './errors.ts';

/** The three settings that decide what a restart keeps. */
export interface Durability {
  /** queue.declare durable: the queue itself is recovered after a restart (a non-durable one is gone). */
  readonly durableQueue: boolean;
  /** Delivery mode 2: the message is written to the message store and recovered with a durable queue. */
  readonly persistentMessages: boolean;
  /** Wait for the broker's basic.ack: only then is a persistent message known to be written. */
  readonly confirms: boolean;
}

/** Everything on: what a restart or a crash of the broker process keeps, confirmed. */
export const DURABLE: Durability = Object.freeze({ durableQueue: true, persistentMessages: true, confirms: true });
/** Everything off: fastest, and gone with the next restart. */
export const TRANSIENT: Durability = Object.freeze({ durableQueue: false, persistentMessages: false, confirms: false });

/**
 * How a classic queue keeps its backlog (x-queue-mode): `default` holds messages in memory and pages them
 * to disk only under memory pressure; `lazy` moves them to disk on arrival and reads them back on delivery.
 */
export type QueueMode = 'default' | 'lazy';
export const QUEUE_MODES: readonly QueueMode[] = ['default', 'lazy'];

export interface QueueOptions {
  name: string;
  /** Default DURABLE. */
  durability?: Durability;
  /** Default 'default'. */
  mode?: QueueMode;
  /** With confirms: most messages waiting for their confirm at once (default 100). */
  window?: number;
  /** More queue arguments (x-max-length, x-overflow ...), declared with the mode's. */
  arguments?: Record<string, unknown>;
}

export interface OutgoingMessage {
  /** The message id (a consumer dedups by it); listed in the outcome and in PublishNotConfirmedError. */
  id: string;
  body: Buffer | string;
}

export interface PublishOutcome {
  /** With confirms: the ids the broker confirmed. Without: the ids handed to the socket (the broker may not have them). */
  ids: string[];
  /** Whether `ids` are confirmed by the broker. */
  confirmed: boolean;
}

export interface DurableQueue {
  readonly name: string;
  readonly durability: Durability;
  readonly mode: QueueMode;
  /**
   * Publishes in order; with confirms, rejects with PublishNotConfirmedError unless every message is
   * confirmed. `signal` stops sending; what was sent is still answered, then the call rejects with its reason.
   */
  publish(messages: readonly OutgoingMessage[], options?: { signal?: AbortSignal }): Promise<PublishOutcome>;
  /** Closes its channel (not the connection, which is the caller's). */
  close(): Promise<void>;
}

/** The queue arguments a mode needs (nothing for the default). */
export const modeArguments = (mode: QueueMode): Record<string, unknown> =>
  mode === 'lazy' ? { 'x-queue-mode': 'lazy' } : {};

/** Declares the queue with the chosen durability and mode on a channel of its own (a confirm channel with confirms). */
export async function openQueue(connection: ChannelModel, options: QueueOptions): Promise<DurableQueue> {
  checkConnection(connection);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const { name, durability = DURABLE, mode = 'default', window = 100 } = options;
  checkQueueName('options.name', name);
  check.kind(
    typeof durability === 'object' &&
      durability !== null &&
      (['durableQueue', 'persistentMessages', 'confirms'] as const).every((k) => typeof durability[k] === 'boolean'),
    'options.durability',
    'must be a Durability { durableQueue, persistentMessages, confirms } of booleans',
    durability,
  );
  check.oneOf('options.mode', mode, QUEUE_MODES);
  check.intIn('options.window', window, 1, 65_535);
  check.kind(
    options.arguments === undefined || (typeof options.arguments === 'object' && options.arguments !== null),
    'options.arguments',
    'must be an object of queue arguments',
    options.arguments,
  );
  const args = { ...options.arguments, ...modeArguments(mode) };

  const channel: Channel | ConfirmChannel = await rabbitmqCall(`opening a channel for queue "${name}"`, () =>
    durability.confirms ? connection.createConfirmChannel() : connection.createChannel(),
  );
  channel.on('error', () => {}); // a channel the broker closes reports through the calls that need it
  try {
    await rabbitmqCall(`declaring queue "${name}"`, () =>
      channel.assertQueue(name, { durable: durability.durableQueue, arguments: args }),
    );
  } catch (e) {
    await channel.close().catch(() => {});
    throw e;
  }
  const persistent = durability.persistentMessages;
  return {
    name,
    durability,
    mode,
    async publish(messages, publishOptions = {}) {
      checkMessages(messages);
      check.options('options', publishOptions);
      check.signal('options.signal', publishOptions.signal);
      if (!durability.confirms) {
        await publishUnconfirmed(channel, name, messages, persistent, publishOptions.signal);
        return { ids: messages.map((m) => m.id), confirmed: false };
      }
      const ids = await publishConfirmed(
        channel as ConfirmChannel,
        name,
        messages,
        persistent,
        window,
        publishOptions.signal,
      );
      return { ids, confirmed: true };
    },
    close: () => channel.close().catch(() => {}), // already closed (the broker went away): nothing to release
  };
}

/**
 * Keeps at most `window` messages waiting for a confirm; resolves with every id once all are confirmed,
 * rejects with the ids confirmed so far and the rest when a nack or a closed channel ends it.
 */
function publishConfirmed(
  channel: ConfirmChannel,
  queue: string,
  messages: readonly OutgoingMessage[],
  persistent: boolean,
  window: number,
  signal?: AbortSignal,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const confirmed: string[] = [];
    let failure: { reason: 'nacked' | 'closed'; cause: unknown } | undefined;
    let next = 0; // the next message to send
    let waiting = 0;
    let full = false; // the socket buffer is full: wait for 'drain'
    const onDrain = (): void => {
      full = false;
      send();
    };
    channel.on('drain', onDrain);
    signal?.addEventListener('abort', send); // stop sending; finish once the messages out are answered
    let finished = false;
    function finish(): void {
      if (finished) return;
      finished = true;
      channel.off('drain', onDrain);
      signal?.removeEventListener('abort', send);
      if (!failure && signal?.aborted) return reject(signal.reason);
      if (!failure) return resolve(confirmed);
      const done = new Set(confirmed);
      const unconfirmed = messages.map((m) => m.id).filter((id) => !done.has(id));
      const why =
        failure.reason === 'nacked'
          ? 'the broker nacked a message'
          : 'the channel closed first (an unconfirmed message may or may not be stored)';
      reject(
        new PublishNotConfirmedError(
          `${unconfirmed.length} of ${messages.length} messages to queue "${queue}" not confirmed: ${why}`,
          failure.reason,
          confirmed,
          unconfirmed,
          { cause: failure.cause },
        ),
      );
    }
    function send(): void {
      while (!failure && !signal?.aborted && !full && waiting < window && next < messages.length) {
        const { id, body } = messages[next++]!;
        waiting++;
        try {
          const ok = channel.sendToQueue(queue, toBuffer(body), { persistent, messageId: id }, (err) => {
            waiting--;
            if (err) failure ??= { reason: err.message === 'message nacked' ? 'nacked' : 'closed', cause: err };
            else confirmed.push(id);
            if (waiting === 0 && (failure || signal?.aborted || next === messages.length)) finish();
            else send();
          });
          if (!ok) full = true;
        } catch (e) {
          waiting--; // the channel was closed already: this one was not sent
          failure ??= { reason: 'closed', cause: e };
        }
      }
      if (waiting === 0 && (failure || signal?.aborted || next === messages.length)) finish();
    }
    send();
  });
}

/**
 * Hands every message to amqplib, pausing while its buffer is full; resolves without any word from the
 * broker. A closed channel rejects, listing the messages not handed over (`confirmed` stays empty).
 */
async function publishUnconfirmed(
  channel: Channel,
  queue: string,
  messages: readonly OutgoingMessage[],
  persistent: boolean,
  signal?: AbortSignal,
): Promise<void> {
  for (const [i, { id, body }] of messages.entries()) {
    signal?.throwIfAborted();
    let ok: boolean;
    try {
      ok = channel.sendToQueue(queue, toBuffer(body), { persistent, messageId: id });
    } catch (e) {
      const left = messages.slice(i).map((m) => m.id);
      throw new PublishNotConfirmedError(
        `${left.length} of ${messages.length} messages to queue "${queue}" not sent: the channel closed (the ${i} sent before had no confirm)`,
        'closed',
        [],
        left,
        { cause: e },
      );
    }
    if (!ok) await drainOrClose(channel);
  }
}

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

const toBuffer = (body: Buffer | string): Buffer => (typeof body === 'string' ? Buffer.from(body) : body);

export function checkConnection(connection: unknown): asserts connection is ChannelModel {
  check.kind(
    typeof connection === 'object' &&
      connection !== null &&
      typeof (connection as ChannelModel).createChannel === 'function' &&
      typeof (connection as ChannelModel).createConfirmChannel === 'function',
    'connection',
    'must be an amqplib connection (what amqplib.connect() resolves with)',
    connection,
  );
}

export function checkQueueName(argument: string, name: unknown): asserts name is string {
  check.name(argument, name);
  check.that(Buffer.byteLength(name) <= 255, argument, 'must be at most 255 bytes', name);
  check.that(!name.startsWith('amq.'), argument, 'must not start with "amq." (reserved by the broker)', name);
}

function checkMessages(messages: unknown): asserts messages is readonly OutgoingMessage[] {
  check.kind(Array.isArray(messages), 'messages', 'must be an array of { id, body }', messages);
  for (const [i, m] of (messages as unknown[]).entries()) {
    const msg = m as Partial<OutgoingMessage> | null;
    check.kind(typeof msg === 'object' && msg !== null, `messages[${i}]`, 'must be an object { id, body }', m);
    check.name(`messages[${i}].id`, msg.id);
    check.kind(
      typeof msg.body === 'string' || Buffer.isBuffer(msg.body),
      `messages[${i}].body`,
      'must be a Buffer or a string',
      msg.body,
    );
  }
}
