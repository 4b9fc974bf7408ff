// A publisher that keeps every message until the broker has answered for it. Each publish on the confirm
// channel gets the next delivery tag; the broker's basic.ack / basic.nack (one tag, or every tag up to it
// with `multiple`) settles them. A mandatory message nobody routes comes back (basic.return) before its
// ack and is reported, not "confirmed". When the connection dies, the messages still waiting for an
// answer go back to the front of the outbox and are published again on a new connection: at least once.
import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '@poc/kit';
import type { ChannelModel, ConfirmChannel, Message as AmqpMessage } from 'amqplib';
import { MessageRefusedError, MessageUnconfirmedError, check, rabbitmqCall, type UnconfirmedReason } from './errors.ts';

export interface Message {
  /** The routing key on the publisher's exchange; on the default exchange ('') it is a queue's name. */
  routingKey: string;
  body: Buffer | string;
  /** Stays the same when the message is published again after a reconnect: consumers dedup by it (default: a UUID). */
  messageId?: string;
}

/** What the broker answered for a message it took. */
export interface Confirmed {
  readonly messageId: string;
  /** How many times it went out: 1, or more when a reconnect published it again (then it may be stored twice). */
  readonly publishes: number;
}

export interface ReconnectOptions {
  /** Connection attempts after a loss before the waiting messages are given up on (default 30). */
  attempts?: number;
  /** Wait before the first attempt, doubled after each failure (default 100). */
  delayMs?: number;
  /** Cap of that wait (default 2000). */
  maxDelayMs?: number;
}

export type PublisherEvent =
  | { type: 'disconnected'; unconfirmed: number; error?: Error }
  | { type: 'reconnected'; attempt: number; republishing: number }
  | { type: 'gave-up'; attempts: number; unconfirmed: number };

export interface ConfirmPublisherOptions {
  /** The exchange every message goes to (default '': the default exchange, routing key = queue name). */
  exchange?: string;
  /** Declares what the publisher needs (queues, exchanges, bindings); runs on every new channel, after a reconnect too. */
  setup?: (channel: ConfirmChannel) => Promise<unknown>;
  /** Delivery mode 2: a durable queue writes the message to disk before confirming it (default true). */
  persistent?: boolean;
  /** Ask the broker to return a message no queue takes, instead of confirming it into the void (default true). */
  mandatory?: boolean;
  reconnect?: ReconnectOptions;
  /** Where reconnect delays are slept (default systemClock). */
  clock?: Clock;
  /** Observes disconnects and reconnects (for logs and metrics); an error it throws is ignored. */
  onEvent?: (event: PublisherEvent) => void;
}

export type PublisherState = 'open' | 'reconnecting' | 'closing' | 'closed' | 'failed';

export interface PublisherStats {
  /** basic.publish frames written, re-publishes included. */
  published: number;
  confirmed: number;
  nacked: number;
  returned: number;
  /** Messages published again after a reconnect (each is a possible duplicate). */
  republished: number;
  reconnects: number;
}

export interface Publisher {
  /** Resolves once the broker confirmed the message; rejects with MessageRefusedError or MessageUnconfirmedError. */
  publish(message: Message): Promise<Confirmed>;
  /** Messages handed to publish() that have no answer yet (written and waiting, or queued for a channel). */
  readonly unconfirmed: number;
  readonly state: PublisherState;
  readonly stats: Readonly<PublisherStats>;
  /** Waits for every answer still due (or for the reconnects to give up), then closes channel and connection. */
  close(): Promise<void>;
}

interface Pending {
  readonly messageId: string;
  readonly routingKey: string;
  readonly content: Buffer;
  publishes: number;
  returned: boolean;
  resolve(c: Confirmed): void;
  reject(e: Error): void;
}

/** Channel errors a re-publish would only repeat (AMQP reply codes): the waiting messages are given up on. */
const CHANNEL_ERRORS = new Set([403, 404, 405, 406]);

function checkMessage(message: Message): Omit<Pending, 'resolve' | 'reject'> {
  check.kind(typeof message === 'object' && message !== null, 'message', 'must be an object', message);
  const { routingKey, body, messageId = randomUUID() } = message;
  check.that(typeof routingKey === 'string', 'message.routingKey', 'must be a string', routingKey);
  check.kind(typeof body === 'string' || Buffer.isBuffer(body), 'message.body', 'must be a Buffer or a string', body);
  check.name('message.messageId', messageId);
  const content = typeof body === 'string' ? Buffer.from(body) : body;
  return { messageId, routingKey, content, publishes: 0, returned: false };
}

/** Opens a connection with `connect()`, declares with `setup`, and publishes with confirms. */
export async function confirmPublisher(
  connect: () => Promise<ChannelModel>,
  options: ConfirmPublisherOptions = {},
): Promise<Publisher> {
  check.fn('connect', connect);
  check.options('options', options);
  const { exchange = '', setup, persistent = true, mandatory = true, clock = systemClock, onEvent } = options;
  check.that(typeof exchange === 'string', 'options.exchange', 'must be a string', exchange);
  if (setup !== undefined) check.fn('options.setup', setup);
  check.that(typeof persistent === 'boolean', 'options.persistent', 'must be a boolean', persistent);
  check.that(typeof mandatory === 'boolean', 'options.mandatory', 'must be a boolean', mandatory);
  check.options('options.reconnect', options.reconnect);
  const { attempts = 30, delayMs = 100, maxDelayMs = 2_000 } = options.reconnect ?? {};
  check.intIn('options.reconnect.attempts', attempts, 1, 1_000);
  check.intIn('options.reconnect.delayMs', delayMs, 0, 60_000);
  check.intIn('options.reconnect.maxDelayMs', maxDelayMs, delayMs, 600_000);
  check.kind(
    typeof clock === 'object' &&
      clock !== null &&
      ['now', 'sleep', 'schedule'].every((m) => typeof (clock as unknown as Record<string, unknown>)[m] === 'function'),
    'options.clock',
    'must be a Clock',
    clock,
  );
  if (onEvent !== undefined) check.fn('options.onEvent', onEvent);
  const emit = (event: PublisherEvent): void => {
    try {
      onEvent?.(event);
    } catch {
      // an observer's failure must not stop the publisher from re-publishing or settling its messages
    }
  };

  const stats: PublisherStats = { published: 0, confirmed: 0, nacked: 0, returned: 0, republished: 0, reconnects: 0 };
  let state: PublisherState = 'open';
  let outbox: Pending[] = []; // not written on the current channel yet, in publish order
  let inFlight = new Map<number, Pending>(); // written, waiting for the broker: delivery tag → message
  let connection: ChannelModel | undefined;
  let channel: ConfirmChannel | undefined;
  let nextTag = 1; // the broker numbers the publishes of a confirm channel 1, 2, 3 ...
  let full = false; // the socket buffer is full: wait for 'drain'
  let idle: Array<() => void> = [];
  const abandon = new AbortController(); // stops a reconnect loop when close() gives up

  /** Opens connection and confirm channel, runs setup, and wires the broker's answers to the messages. */
  async function open(): Promise<void> {
    const conn = await rabbitmqCall('connecting', connect);
    conn.on('error', () => {}); // reported through 'close' below; without a listener it would crash the process
    let ch: ConfirmChannel;
    try {
      ch = await rabbitmqCall('opening a confirm channel', () => conn.createConfirmChannel());
      let channelError: (Error & { code?: number }) | undefined;
      ch.on('error', (e: Error) => (channelError = e));
      if (setup) await rabbitmqCall('running setup', () => setup(ch));
      ch.on('ack', ({ deliveryTag, multiple }) => settle(ch, deliveryTag, multiple, true));
      ch.on('nack', ({ deliveryTag, multiple }) => settle(ch, deliveryTag, multiple, false));
      ch.on('return', (msg: AmqpMessage) => markReturned(ch, msg.properties.messageId as unknown));
      ch.on('drain', () => {
        if (ch !== channel) return;
        full = false;
        pump();
      });
      ch.once('close', () => lost(ch, conn, channelError));
      conn.once('close', () => lost(ch, conn, undefined));
    } catch (e) {
      await conn.close().catch(() => {});
      throw e;
    }
    connection = conn;
    channel = ch;
    nextTag = 1;
    full = false;
  }

  function settle(ch: ConfirmChannel, tag: number, multiple: boolean, ack: boolean): void {
    if (ch !== channel) return;
    const answered: Pending[] = [];
    if (multiple) {
      // Every tag up to this one: the map holds them in publish order, so stop at the first one above it.
      for (const [t, p] of inFlight) {
        if (t > tag) break;
        inFlight.delete(t);
        answered.push(p);
      }
    } else {
      const p = inFlight.get(tag);
      if (p) answered.push(p);
      inFlight.delete(tag);
    }
    for (const p of answered) {
      if (!ack) {
        stats.nacked++;
        p.reject(refused(p, 'nacked'));
      } else if (p.returned) {
        stats.returned++;
        p.reject(refused(p, 'returned'));
      } else {
        stats.confirmed++;
        p.resolve({ messageId: p.messageId, publishes: p.publishes });
      }
    }
    wakeIfIdle();
  }

  /** A basic.return arrives before the ack of the same message: mark the oldest waiting one with that id. */
  function markReturned(ch: ConfirmChannel, messageId: unknown): void {
    if (ch !== channel || typeof messageId !== 'string') return;
    for (const p of inFlight.values())
      if (p.messageId === messageId && !p.returned) {
        p.returned = true;
        return;
      }
  }

  const refused = (p: Pending, reason: 'nacked' | 'returned'): MessageRefusedError =>
    new MessageRefusedError(
      reason === 'nacked'
        ? `message ${p.messageId} was nacked by the broker (a full queue with x-overflow reject-publish?)`
        : `message ${p.messageId} was returned: no queue is bound for routing key "${p.routingKey}" on exchange "${exchange}"`,
      reason,
      p.messageId,
    );

  const unconfirmed = (ids: string[], reason: UnconfirmedReason, cause?: unknown): MessageUnconfirmedError => {
    const why = {
      unreachable: `the connection was lost and ${attempts} reconnect attempts failed`,
      'channel-error': 'the broker closed the channel',
      closed: 'the publisher was closed',
    }[reason];
    const what = ids.length === 1 ? `message ${ids[0]}` : `${ids.length} messages`;
    return new MessageUnconfirmedError(
      `${what} not confirmed: ${why}; it may or may not be stored`,
      reason,
      ids,
      cause === undefined ? undefined : { cause },
    );
  };

  /** Writes queued messages while there is a channel with room. */
  function pump(): void {
    while ((state === 'open' || state === 'closing') && channel && !full && outbox.length > 0) {
      const p = outbox[0]!;
      let ok: boolean;
      try {
        ok = channel.publish(exchange, p.routingKey, p.content, { persistent, mandatory, messageId: p.messageId });
      } catch {
        return; // the channel is closing: 'close' follows, and the message is still in the outbox
      }
      outbox.shift();
      inFlight.set(nextTag++, p);
      if (p.publishes++ > 0) stats.republished++;
      stats.published++;
      if (!ok) full = true;
    }
  }

  /** The channel or its connection closed: publish the waiting messages again on a new one. */
  function lost(ch: ConfirmChannel, conn: ChannelModel, channelError?: Error & { code?: number }): void {
    if (ch !== channel) return; // already handled (both the channel and the connection report a loss)
    channel = undefined;
    connection = undefined;
    const waiting = [...inFlight.values()];
    inFlight = new Map();
    if (channelError?.code !== undefined && CHANNEL_ERRORS.has(channelError.code)) {
      // The broker refused something on purpose; publishing the same again would close the next channel too.
      for (const p of waiting) p.reject(unconfirmed([p.messageId], 'channel-error', channelError));
    } else outbox = [...waiting, ...outbox];
    void conn.close().catch(() => {});
    if (state !== 'open') return wakeIfIdle(); // closing: nothing is published again
    state = 'reconnecting';
    emit({ type: 'disconnected', unconfirmed: outbox.length, error: channelError });
    void reconnect();
  }

  /** Reconnects with doubling delays; then the waiting messages go out first, in their order. */
  async function reconnect(): Promise<void> {
    let wait = delayMs;
    for (let attempt = 1; attempt <= attempts && state === 'reconnecting'; attempt++) {
      await clock.sleep(wait, abandon.signal).catch(() => {}); // close() cuts the wait short
      wait = Math.min(maxDelayMs, wait * 2);
      if (state !== 'reconnecting') break;
      try {
        await open();
      } catch {
        continue;
      }
      if (state !== 'reconnecting') {
        // close() came while connecting, and did not see this connection: close it here.
        const conn = connection;
        channel = connection = undefined;
        void conn?.close().catch(() => {});
        break;
      }
      state = 'open';
      stats.reconnects++;
      emit({ type: 'reconnected', attempt, republishing: outbox.length });
      pump();
      return;
    }
    if (state === 'reconnecting') {
      state = 'failed';
      emit({ type: 'gave-up', attempts, unconfirmed: outbox.length });
    }
    const left = outbox;
    outbox = [];
    for (const p of left) p.reject(unconfirmed([p.messageId], state === 'failed' ? 'unreachable' : 'closed'));
    wakeIfIdle();
  }

  /** Wakes close() once nothing more can be answered: all answered, or no channel to answer on. */
  function wakeIfIdle(): void {
    if (channel !== undefined && (inFlight.size > 0 || outbox.length > 0)) return;
    for (const wake of idle) wake();
    idle = [];
  }

  await open();

  let closing: Promise<void> | undefined;
  return {
    publish(message) {
      let p: Omit<Pending, 'resolve' | 'reject'>;
      try {
        p = checkMessage(message);
      } catch (e) {
        return Promise.reject(e); // bad input rejects like every other failure of publish()
      }
      if (state === 'failed' || state === 'closing' || state === 'closed')
        return Promise.reject(unconfirmed([p.messageId], state === 'failed' ? 'unreachable' : 'closed'));
      return new Promise<Confirmed>((resolve, reject) => {
        outbox.push({ ...p, resolve, reject });
        pump();
      });
    },
    get unconfirmed() {
      return outbox.length + inFlight.size;
    },
    get state() {
      return state;
    },
    stats,
    close() {
      closing ??= (async () => {
        if (state === 'open' || state === 'reconnecting') {
          const wasReconnecting = state === 'reconnecting';
          state = 'closing';
          if (wasReconnecting) abandon.abort(); // nothing can be answered without a connection
          if (channel !== undefined && (inFlight.size > 0 || outbox.length > 0))
            await new Promise<void>((wake) => idle.push(wake));
        }
        const left = [...outbox, ...inFlight.values()];
        outbox = [];
        inFlight = new Map();
        for (const p of left) p.reject(unconfirmed([p.messageId], 'closed'));
        const conn = connection;
        channel = undefined;
        connection = undefined;
        await conn?.close().catch(() => {});
        if (state === 'closing') state = 'closed';
      })();
      return closing;
    },
  };
}
