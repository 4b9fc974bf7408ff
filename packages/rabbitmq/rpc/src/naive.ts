// The two clients people write first. Same options and interface as rpcClient, so tests and the bench
// compare like with like. Not exported from the main entry: import them from 'poc-rabbitmq-rpc/naive'.
//   queuePerCallClient — declares an exclusive reply queue for every call, consumes it, deletes it after the
//     reply: correct, but three extra broker round trips (declare, consume, delete) and a queue's life per call.
//   inOrderClient — one reply queue, no correlation ids: the n-th reply goes to the n-th caller still waiting.
//     Fine while the server answers in order; a server with prefetch > 1 (or two servers) does not, and a
//     caller gets someone else's answer.
import { randomUUID } from 'node:crypto';
import type { ChannelModel, ConsumeMessage } from 'amqplib';
import { RpcServiceError, RpcTimeoutError, amqpCall } from './errors.ts';
import {
  checkCall,
  clientContext,
  decodeReply,
  encode,
  type ClientStats,
  type RpcClient,
  type RpcClientOptions,
} from './rpc.ts';

const newStats = (pending: () => number): ClientStats => ({
  lateReplies: 0,
  unknownReplies: 0,
  timeouts: 0,
  sent: 0,
  get pending() {
    return pending();
  },
});

/** A reply queue declared and deleted per call (no retries: a timeout just fails). */
export async function queuePerCallClient<Req = unknown, Res = unknown>(
  connection: ChannelModel,
  options: RpcClientOptions,
): Promise<RpcClient<Req, Res>> {
  const ctx = clientContext(connection, options);
  const channel = await amqpCall('opening the client channel', () => ctx.connection.createChannel());
  channel.on('error', () => {});
  let inFlight = 0;
  const stats = newStats(() => inFlight);
  return {
    queue: ctx.queue,
    stats,
    async call(payload, callOptions) {
      checkCall(callOptions);
      const body = encode(payload);
      const requestId = callOptions?.requestId ?? randomUUID();
      const timeoutMs = callOptions?.timeoutMs ?? ctx.timeoutMs;
      inFlight++;
      const { queue: replyQueue } = await amqpCall('declaring a reply queue', () =>
        channel.assertQueue('', { exclusive: true, autoDelete: true }),
      );
      try {
        let consumerTag = '';
        const reply = new Promise<ConsumeMessage>((resolve, reject) => {
          const cancel = ctx.clock.schedule(() => {
            stats.timeouts++;
            reject(new RpcTimeoutError(`no reply to request ${requestId} within ${timeoutMs} ms`, requestId, 1));
          }, timeoutMs);
          void channel
            .consume(replyQueue, (msg) => msg && (cancel(), resolve(msg)), { noAck: true })
            .then(({ consumerTag: tag }) => {
              consumerTag = tag;
              channel.sendToQueue(ctx.queue, body, { replyTo: replyQueue, messageId: requestId });
              stats.sent++;
            })
            .catch(
              (e: unknown) => (cancel(), reject(new RpcServiceError('consuming the reply queue failed', { cause: e }))),
            );
        });
        const msg = await reply;
        await channel.cancel(consumerTag);
        return decodeReply(msg, requestId) as Res;
      } finally {
        inFlight--;
        await channel.deleteQueue(replyQueue).catch(() => {});
      }
    },
    async close() {
      await channel.close().catch(() => {});
    },
  };
}

/** One reply queue, replies matched to callers by arrival order instead of by correlation id. */
export async function inOrderClient<Req = unknown, Res = unknown>(
  connection: ChannelModel,
  options: RpcClientOptions,
): Promise<RpcClient<Req, Res>> {
  const ctx = clientContext(connection, options);
  const channel = await amqpCall('opening the client channel', () => ctx.connection.createChannel());
  channel.on('error', () => {});
  const waiting: Array<{ requestId: string; resolve(msg: ConsumeMessage): void }> = [];
  const stats = newStats(() => waiting.length);
  const { queue: replyQueue } = await amqpCall('declaring the reply queue', () =>
    channel.assertQueue('', { exclusive: true, autoDelete: true }),
  );
  await amqpCall('consuming the reply queue', () =>
    channel.consume(replyQueue, (msg) => msg && waiting.shift()?.resolve(msg), { noAck: true }),
  );
  return {
    queue: ctx.queue,
    stats,
    async call(payload, callOptions) {
      checkCall(callOptions);
      const body = encode(payload);
      const requestId = callOptions?.requestId ?? randomUUID();
      const msg = await new Promise<ConsumeMessage>((resolve) => {
        waiting.push({ requestId, resolve });
        channel.sendToQueue(ctx.queue, body, { replyTo: replyQueue, messageId: requestId });
        stats.sent++;
      });
      return decodeReply(msg, requestId) as Res;
    },
    async close() {
      await channel.close().catch(() => {});
    },
  };
}
