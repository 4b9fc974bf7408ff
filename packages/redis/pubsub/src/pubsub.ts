// Notifications fan-out with PUBLISH / SUBSCRIBE: one channel per topic ("news", "user:42") under a
// namespace, a publisher that says how many subscribers got each message, and subscriptions on
// connections of their own that report every moment they were deaf (at-most-once delivery).
import { systemClock, type Clock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { PubSubArgumentError, check, redisCall } from './errors.ts';

/**
 * The default clock: the kit's systemClock, but now() with sub-millisecond precision (epoch ms from
 * performance.timeOrigin + performance.now()), because a notification's latency (receivedAt - sentAt)
 * is often well under a millisecond. Comparable across processes only as far as their clocks agree.
 */
export const preciseClock: Clock = { ...systemClock, now: () => performance.timeOrigin + performance.now() };

export function requireClient(redis: unknown): asserts redis is Redis {
  const ok = typeof redis === 'object' && redis !== null && typeof (redis as Redis).publish === 'function';
  check.kind(ok, 'redis', 'must be an ioredis client', redis);
}

const TOPIC = /^[A-Za-z0-9_.:-]{1,200}$/;
export function requireTopic(name: string, topic: unknown): asserts topic is string {
  check.that(
    typeof topic === 'string' && TOPIC.test(topic),
    name,
    'must be 1-200 characters of A-Z a-z 0-9 _ . : -',
    topic,
  );
}

/** The Redis channel of a topic: "<namespace>:<topic>", e.g. "notify:user:42". */
export const channelOf = (namespace: string, topic: string): string => `${namespace}:${topic}`;

/** What travels on the wire: the payload and when it was published (for latency, and for readers' logs). */
export interface Envelope<T> {
  sentAt: number;
  data: T;
}
export function encodeEnvelope(name: string, data: unknown, clock: Clock): string {
  let json: string | undefined;
  try {
    json = data === undefined ? undefined : JSON.stringify({ sentAt: clock.now(), data });
  } catch (e) {
    throw new PubSubArgumentError(`${name} must be JSON-serialisable (${(e as Error).message.split('\n')[0]})`);
  }
  check.kind(
    json !== undefined && typeof data !== 'function',
    name,
    'must be JSON-serialisable (not undefined or a function)',
    data,
  );
  return json;
}

export interface Notification<T> {
  readonly topic: string;
  readonly data: T;
  /** Publisher's clock at PUBLISH. */
  readonly sentAt: number;
  /** This subscriber's clock when the message was handed to the handler. */
  readonly receivedAt: number;
}

// --- publishing ----------------------------------------------------------------------------------

export interface Publisher<T> {
  readonly namespace: string;
  /** PUBLISH to the topic's channel; resolves with how many subscribers Redis handed it to (0: nobody heard it). */
  publish(topic: string, data: T): Promise<number>;
}

export function publisher<T>(redis: Redis, options: { namespace: string; clock?: Clock }): Publisher<T> {
  requireClient(redis);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object with a namespace', options);
  const { namespace, clock = preciseClock } = options;
  requireTopic('namespace', namespace);
  return {
    namespace,
    async publish(topic, data) {
      requireTopic('topic', topic);
      const message = encodeEnvelope('data', data, clock);
      return redisCall(`PUBLISH to "${channelOf(namespace, topic)}"`, () =>
        redis.publish(channelOf(namespace, topic), message),
      );
    },
  };
}

// --- subscribing ---------------------------------------------------------------------------------

export interface SubscribeOptions<T> {
  namespace: string;
  topics: readonly string[];
  handler: (notification: Notification<T>) => void;
  /**
   * The connection dropped (server restart, network, or Redis cutting a subscriber that read too
   * slowly). Whatever was published until ioredis has reconnected and resubscribed is lost for good:
   * reload state from the source of truth here. `reason` is what ioredis said.
   */
  onGap?: (reason: string) => void;
  /** A handler threw, or a message on a subscribed channel was not an envelope of ours. */
  onError?: (error: unknown) => void;
  /** Closes the subscription. */
  signal?: AbortSignal;
  /** Name shown in CLIENT LIST for the subscriber connection (default "sub:<namespace>"). */
  connectionName?: string;
  clock?: Clock;
}

export interface Subscription {
  readonly topics: ReadonlySet<string>;
  /** Times the connection dropped while subscribed (each one a window where messages were lost). */
  readonly gaps: number;
  add(...topics: string[]): Promise<void>;
  remove(...topics: string[]): Promise<void>;
  /** Unsubscribes and closes the connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * Subscribes on a connection of its own (`redis.duplicate()`): a connection in subscriber mode can do
 * nothing else, and a slow handler must not hold up your other commands. ioredis reconnects and
 * resubscribes by itself after a drop; `onGap` tells you it happened.
 */
export async function subscribe<T>(redis: Redis, options: SubscribeOptions<T>): Promise<Subscription> {
  requireClient(redis);
  check.kind(
    typeof options === 'object' && options !== null,
    'options',
    'must be an object with namespace, topics and handler',
    options,
  );
  const { namespace, topics, handler, onGap, onError, signal, clock = preciseClock } = options;
  requireTopic('namespace', namespace);
  check.kind(Array.isArray(topics) && topics.length > 0, 'topics', 'must be a non-empty array of topic names', topics);
  topics.forEach((t, i) => requireTopic(`topics[${i}]`, t));
  check.kind(typeof handler === 'function', 'handler', 'must be a function (notification) => void', handler);
  if (onGap !== undefined) check.fn('onGap', onGap);
  if (onError !== undefined) check.fn('onError', onError);
  check.signal('signal', signal);
  const connectionName = options.connectionName ?? `sub:${namespace}`;
  check.name('connectionName', connectionName);
  check.that(/^\S+$/.test(connectionName), 'connectionName', 'must not contain spaces', connectionName);

  const prefix = `${namespace}:`;
  const current = new Set<string>();
  let gaps = 0;
  let closed = false;
  const conn = redis.duplicate({ connectionName });
  const report = (e: unknown): void => {
    if (onError) onError(e);
    else
      queueMicrotask(() => {
        throw e;
      }); // surfaced as an uncaught exception rather than swallowed
  };
  conn.on('error', () => {}); // a drop is reported through 'close' below; commands report their own failures
  conn.on('close', () => {
    if (closed || current.size === 0) return;
    gaps++;
    onGap?.('connection closed');
  });
  conn.on('message', (channel: string, message: string) => {
    const receivedAt = clock.now();
    if (!channel.startsWith(prefix)) return;
    try {
      const envelope = JSON.parse(message) as Envelope<T>;
      if (
        typeof envelope !== 'object' ||
        envelope === null ||
        typeof envelope.sentAt !== 'number' ||
        !('data' in envelope)
      ) {
        throw new Error(`message on "${channel}" is not a notification envelope: ${message.slice(0, 80)}`);
      }
      handler({ topic: channel.slice(prefix.length), data: envelope.data, sentAt: envelope.sentAt, receivedAt });
    } catch (e) {
      report(e);
    }
  });

  const subscription: Subscription = {
    get topics() {
      return current;
    },
    get gaps() {
      return gaps;
    },
    async add(...more) {
      more.forEach((t, i) => requireTopic(`topics[${i}]`, t));
      if (more.length === 0) return;
      await redisCall(`SUBSCRIBE to ${more.join(', ')}`, () =>
        conn.subscribe(...more.map((t) => channelOf(namespace, t))),
      );
      for (const t of more) current.add(t);
    },
    async remove(...less) {
      less.forEach((t, i) => requireTopic(`topics[${i}]`, t));
      if (less.length === 0) return;
      await redisCall(`UNSUBSCRIBE from ${less.join(', ')}`, () =>
        conn.unsubscribe(...less.map((t) => channelOf(namespace, t))),
      );
      for (const t of less) current.delete(t);
    },
    async close() {
      if (closed) return;
      closed = true;
      current.clear();
      signal?.removeEventListener('abort', onAbort);
      // UNSUBSCRIBE first: once it is answered, Redis no longer counts this subscriber, so a PUBLISH
      // sent afterwards reports it missing instead of writing to a socket about to close.
      if (conn.status === 'ready') await conn.unsubscribe().catch(() => {});
      conn.disconnect();
    },
  };
  const onAbort = (): void => void subscription.close();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await subscription.add(...topics);
  } catch (e) {
    await subscription.close();
    throw e;
  }
  if (signal?.aborted) await subscription.close();
  return subscription;
}
