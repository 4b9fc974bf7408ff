// Retries that count only handler failures. RabbitMQ's `redelivered` flag (and a quorum queue's
// x-delivery-count) also counts a message that a stopping worker handed back unstarted, or that came back
// after a crash or a lost channel; classic queues keep no count at all. So a retry is a copy of the message,
// published with its failure count in a header and confirmed by the broker before the original is acked.
import type { ConfirmChannel, ConsumeMessage, Options } from 'amqplib';

/** Header of a retry copy: how many handler runs of the message threw. */
export const FAILED_ATTEMPTS_HEADER = 'x-failed-attempts';

/** The message's failure count: its `x-failed-attempts` header, 0 when absent or not a positive integer. */
export function failedAttemptsOf(msg: ConsumeMessage): number {
  const n: unknown = (msg.properties.headers as Record<string, unknown> | undefined)?.[FAILED_ATTEMPTS_HEADER];
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/** The publish options that make a copy of `msg` (same properties and messageId) with `failed` as its count. */
export function retryCopyOptions(msg: ConsumeMessage, failed: number): Options.Publish {
  const p = msg.properties;
  // CC/BCC would route the copy to other queues again (sender-selected distribution). userId is left out: the
  // broker refuses one that is not the publishing connection's user, which need not be the original publisher's.
  const { CC: _cc, BCC: _bcc, ...headers } = (p.headers ?? {}) as Record<string, unknown>;
  return {
    headers: { ...headers, [FAILED_ATTEMPTS_HEADER]: failed },
    contentType: p.contentType as string | undefined,
    contentEncoding: p.contentEncoding as string | undefined,
    deliveryMode: p.deliveryMode as number | undefined,
    priority: p.priority as number | undefined,
    correlationId: p.correlationId as string | undefined,
    replyTo: p.replyTo as string | undefined,
    expiration: p.expiration as string | undefined,
    messageId: p.messageId as string | undefined,
    timestamp: p.timestamp as number | undefined,
    type: p.type as string | undefined,
    appId: p.appId as string | undefined,
  };
}

/**
 * Publishes the retry copy of `msg` to the back of `queue`; resolves once the broker confirms it, rejects if
 * the broker nacks it (a full queue with x-overflow reject-publish) or the channel closes first (then the copy
 * may or may not exist).
 */
export function publishRetryCopy(
  channel: ConfirmChannel,
  queue: string,
  msg: ConsumeMessage,
  failed: number,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    try {
      channel.sendToQueue(queue, msg.content, retryCopyOptions(msg, failed), (err) =>
        err === null || err === undefined ? resolve() : reject(err as Error),
      );
    } catch (e) {
      reject(e as Error); // the channel was already closed: nothing was sent
    }
  });
}
