// Request/reply over RabbitMQ with direct reply-to: one channel per client consumes the pseudo-queue
// `amq.rabbitmq.reply-to` (noAck, before the first publish), every request carries a fresh correlation id,
// and a reply is handed only to the caller whose id it carries. No reply within `timeoutMs` is a typed
// RpcTimeoutError; a reply that arrives after its caller gave up is discarded and counted. With `retries`,
// a timed-out request is re-sent under a new correlation id and the SAME request id: delivery is
// at-least-once, so the server's handler must be idempotent or dedupe by `requestId`.
import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '@poc/kit';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { RpcRemoteError, RpcServiceError, RpcTimeoutError, amqpCall, check } from './errors.ts';

/** The pseudo-queue of direct reply-to: no queue is declared, the broker routes a reply to the consuming channel. */
export const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';
/** Header a server sets on a reply whose handler threw; the body is then `{ message }`. */
export const ERROR_HEADER = 'x-rpc-error';

export interface RpcClientOptions {
  /** The queue the servers consume requests from. */
  queue: string;
  /** How long one attempt waits for its reply (ms, default 5000). */
  timeoutMs?: number;
  /** How many times a timed-out request is re-sent (default 0). Each re-send may be served again: at-least-once. */
  retries?: number;
  /** Time as the client sees it (default systemClock): timeouts are scheduled on it. */
  clock?: Clock;
}

export interface CallOptions {
  /** Aborting rejects the call with the signal's reason and forgets it (a later reply counts as late). */
  signal?: AbortSignal;
  /** Overrides the client's timeoutMs for this call. */
  timeoutMs?: number;
  /** Sent as the message id; the same on every attempt, so a server can dedupe (default a random UUID). */
  requestId?: string;
}

export interface ClientStats {
  /** Replies that arrived after their caller timed out or aborted: discarded. */
  lateReplies: number;
  /** Replies whose correlation id this client never issued (or forgot long ago): discarded. */
  unknownReplies: number;
  /** Attempts that timed out (a call with retries can time out several times). */
  timeouts: number;
  /** Requests published, retries included. */
  sent: number;
  /** Calls waiting for a reply now. */
  readonly pending: number;
}

export interface RpcClient<Req = unknown, Res = unknown> {
  readonly queue: string;
  /** Sends `payload` and resolves with the reply meant for this call; RpcTimeoutError / RpcRemoteError otherwise. */
  call(payload: Req, options?: CallOptions): Promise<Res>;
  readonly stats: ClientStats;
  /** Closes the client's channel; pending calls fail with RpcServiceError. */
  close(): Promise<void>;
}

/** What a server's handler sees besides the payload. */
export interface RequestInfo {
  /** The caller's request id: the same on a re-send, so a handler can dedupe on it. */
  requestId: string;
  /** The broker delivered this message before to a consumer that did not ack (e.g. a server that died). */
  redelivered: boolean;
}

export interface RpcServerOptions<Req, Res> {
  /** The queue to consume requests from (declared non-durable if absent: requests are worth only a live caller). */
  queue: string;
  /** Computes the reply. Throwing sends an error reply (RpcRemoteError at the caller). */
  handler: (payload: Req, request: RequestInfo) => Promise<Res> | Res;
  /** Requests in flight at once on this server (basic.qos, default 10). */
  prefetch?: number;
}

export interface RpcServer {
  readonly queue: string;
  /** Requests answered (acked after the reply was published). */
  readonly served: number;
  stop(): Promise<void>;
}

/** A connection is recognised by its methods, so a copy of amqplib in another package passes too. */
const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');

export function checkConnection(connection: unknown): asserts connection is ChannelModel {
  check.kind(
    hasMethods(connection, 'createChannel', 'createConfirmChannel'),
    'connection',
    'must be an amqplib connection (what amqplib.connect() resolves with)',
    connection,
  );
}

export function checkQueue(argument: string, queue: unknown): asserts queue is string {
  check.name(argument, queue);
  check.that(!queue.startsWith('amq.'), argument, 'must not start with "amq." (reserved by the broker)', queue);
}

/** The client options, checked once (the naive clients take the same). */
export interface ClientContext {
  readonly connection: ChannelModel;
  readonly queue: string;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly clock: Clock;
}

export function clientContext(connection: ChannelModel, options: RpcClientOptions): ClientContext {
  checkConnection(connection);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  checkQueue('options.queue', options.queue);
  const timeoutMs = options.timeoutMs ?? 5000;
  check.positiveInt('options.timeoutMs', timeoutMs);
  const retries = options.retries ?? 0;
  check.intIn('options.retries', retries, 0, 100);
  const clock = options.clock ?? systemClock;
  check.kind(hasMethods(clock, 'now', 'sleep', 'schedule'), 'options.clock', 'must be a Clock', clock);
  return { connection, queue: options.queue, timeoutMs, retries, clock };
}

export function checkCall(options: CallOptions | undefined): void {
  check.options('options', options);
  check.signal('options.signal', options?.signal);
  if (options?.timeoutMs !== undefined) check.positiveInt('options.timeoutMs', options.timeoutMs);
  if (options?.requestId !== undefined) check.name('options.requestId', options.requestId);
}

export function encode(payload: unknown, argument = 'payload'): Buffer {
  let text: string | undefined;
  try {
    text = JSON.stringify(payload);
  } catch (e) {
    check.kind(false, argument, `must be JSON-serialisable: ${(e as Error).message.split('\n')[0]}`, payload);
  }
  check.kind(typeof text === 'string', argument, 'must be JSON-serialisable', payload);
  return Buffer.from(text);
}

/** Decodes a reply: its value, or the RpcRemoteError its server sent. */
export function decodeReply(msg: ConsumeMessage, requestId: string): unknown {
  const body: unknown = JSON.parse(msg.content.toString());
  if (msg.properties.headers?.[ERROR_HEADER]) {
    const remote = String((body as { message?: unknown }).message);
    throw new RpcRemoteError(`request ${requestId} failed on the server: ${remote}`, requestId, remote);
  }
  return body;
}

/** How many forgotten correlation ids are remembered so their late replies are told from unknown ones. */
const REMEMBER_EXPIRED = 10_000;

interface Pending {
  requestId: string;
  resolve(msg: ConsumeMessage): void;
  fail(e: unknown): void;
}

/**
 * A client on one channel of `connection`: it consumes direct reply-to (noAck) before it publishes anything,
 * as the broker requires, and routes each reply by its correlation id. Every argument is checked first.
 */
export async function rpcClient<Req = unknown, Res = unknown>(
  connection: ChannelModel,
  options: RpcClientOptions,
): Promise<RpcClient<Req, Res>> {
  const ctx = clientContext(connection, options);
  const channel: Channel = await amqpCall('opening the client channel', () => ctx.connection.createChannel());
  const pending = new Map<string, Pending>();
  const expired = new Set<string>(); // correlation ids whose caller gave up: their replies are late, not unknown
  let closedError: Error | undefined;
  const stats: ClientStats = {
    lateReplies: 0,
    unknownReplies: 0,
    timeouts: 0,
    sent: 0,
    get pending() {
      return pending.size;
    },
  };
  const forget = (correlationId: string): void => {
    pending.delete(correlationId);
    expired.add(correlationId);
    if (expired.size > REMEMBER_EXPIRED) expired.delete(expired.values().next().value!);
  };
  const failAll = (e: Error): void => {
    closedError ??= e;
    for (const [id, p] of pending) {
      pending.delete(id);
      p.fail(e);
    }
  };
  channel.on('error', () => {}); // surfaced as 'close' below, to every pending call
  channel.on('close', () => failAll(new RpcServiceError(`the client channel for "${ctx.queue}" closed`)));

  // Direct reply-to: consume the pseudo-queue with noAck BEFORE publishing with replyTo set to it.
  await amqpCall('consuming direct reply-to', () =>
    channel.consume(
      DIRECT_REPLY_TO,
      (msg) => {
        if (!msg) return;
        const id = msg.properties.correlationId as string | undefined;
        const waiter = id === undefined ? undefined : pending.get(id);
        if (waiter) {
          pending.delete(id!);
          waiter.resolve(msg);
        } else if (id !== undefined && expired.delete(id)) stats.lateReplies++;
        else stats.unknownReplies++;
      },
      { noAck: true },
    ),
  );

  /** One attempt: publish under a fresh correlation id and wait for its reply, the timeout or the signal. */
  const attempt = (body: Buffer, requestId: string, timeoutMs: number, signal?: AbortSignal): Promise<ConsumeMessage> =>
    new Promise<ConsumeMessage>((resolve, reject) => {
      if (closedError) return reject(closedError);
      const correlationId = randomUUID();
      const cancelTimer = ctx.clock.schedule(() => {
        if (!pending.has(correlationId)) return;
        forget(correlationId);
        stats.timeouts++;
        done();
        reject(new RpcTimeoutError(`no reply to request ${requestId} within ${timeoutMs} ms`, requestId, 1));
      }, timeoutMs);
      const onAbort = (): void => {
        if (!pending.has(correlationId)) return;
        forget(correlationId);
        done();
        reject(signal!.reason);
      };
      const done = (): void => {
        cancelTimer();
        signal?.removeEventListener('abort', onAbort);
      };
      pending.set(correlationId, {
        requestId,
        resolve: (msg) => (done(), resolve(msg)),
        fail: (e) => (done(), reject(e)),
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        channel.publish('', ctx.queue, body, {
          replyTo: DIRECT_REPLY_TO,
          correlationId,
          messageId: requestId,
          contentType: 'application/json',
        });
        stats.sent++;
      } catch (e) {
        pending.delete(correlationId);
        done();
        reject(new RpcServiceError(`publishing request ${requestId} failed: ${(e as Error).message}`, { cause: e }));
      }
    });

  return {
    queue: ctx.queue,
    stats,
    async call(payload, callOptions) {
      checkCall(callOptions);
      const body = encode(payload);
      const signal = callOptions?.signal;
      signal?.throwIfAborted();
      const requestId = callOptions?.requestId ?? randomUUID();
      const timeoutMs = callOptions?.timeoutMs ?? ctx.timeoutMs;
      for (let n = 1; ; n++) {
        try {
          const msg = await attempt(body, requestId, timeoutMs, signal);
          return decodeReply(msg, requestId) as Res;
        } catch (e) {
          if (!(e instanceof RpcTimeoutError)) throw e;
          if (n > ctx.retries)
            throw new RpcTimeoutError(
              `no reply to request ${requestId} within ${timeoutMs} ms on ${n} attempt${n > 1 ? 's' : ''}`,
              requestId,
              n,
            );
        }
      }
    },
    async close() {
      failAll(new RpcServiceError(`the client for "${ctx.queue}" was closed`));
      await channel.close().catch(() => {});
    },
  };
}

/**
 * A server: consumes `queue` with manual acks and `prefetch` requests in flight, runs the handler, publishes
 * the reply to the request's replyTo with its correlation id, then acks. A server that dies before the ack
 * leaves the request unacked: the broker hands it to another server (redelivered = true).
 */
export async function rpcServer<Req = unknown, Res = unknown>(
  connection: ChannelModel,
  options: RpcServerOptions<Req, Res>,
): Promise<RpcServer> {
  checkConnection(connection);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  checkQueue('options.queue', options.queue);
  check.fn('options.handler', options.handler);
  const prefetch = options.prefetch ?? 10;
  check.intIn('options.prefetch', prefetch, 1, 65535);
  const { queue, handler } = options;
  const channel = await amqpCall('opening the server channel', () => connection.createChannel());
  channel.on('error', () => {});
  let served = 0;
  let consumerTag = '';
  await amqpCall(`declaring queue "${queue}"`, async () => {
    await channel.assertQueue(queue, { durable: false });
    await channel.prefetch(prefetch);
    ({ consumerTag } = await channel.consume(queue, (msg) => msg && void serve(msg), { noAck: false }));
  });

  async function serve(msg: ConsumeMessage): Promise<void> {
    const { replyTo, correlationId, messageId } = msg.properties as unknown as Record<string, string | undefined>;
    const requestId = messageId ?? '';
    let content: Buffer;
    let headers: Record<string, unknown> | undefined;
    try {
      const payload = JSON.parse(msg.content.toString()) as Req;
      content = encode(await handler(payload, { requestId, redelivered: msg.fields.redelivered }), 'reply');
    } catch (e) {
      content = encode({ message: e instanceof Error ? e.message : String(e) });
      headers = { [ERROR_HEADER]: true };
    }
    try {
      if (replyTo) channel.publish('', replyTo, content, { correlationId, headers, contentType: 'application/json' });
      channel.ack(msg);
      served++;
    } catch {
      // the channel closed: no ack was sent, so the broker redelivers the request to another server
    }
  }

  return {
    queue,
    get served() {
      return served;
    },
    async stop() {
      await channel.cancel(consumerTag).catch(() => {});
      await channel.close().catch(() => {});
    },
  };
}
