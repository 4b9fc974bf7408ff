// Three ways to wait for publisher confirms, over the same Publisher, each returning what the broker
// answered for every message:
// - publishEach: publish one, wait for its confirm, publish the next (one round trip per message);
// - publishInBatches: publish N, wait until all N are answered (ConfirmChannel#waitForConfirms), repeat;
// - publishStreaming: keep publishing while fewer than `window` messages wait for an answer; each confirm
//   frees a slot (the broker's ack names a delivery tag, or every tag up to it).
import { randomUUID } from 'node:crypto';
import { MessageUnconfirmedError, check, isPublisherConfirmsError } from './errors.ts';
import type { Message, Publisher } from './publisher.ts';

export interface PublishReport {
  /** Ids the broker confirmed, in the order their confirms arrived. */
  confirmed: string[];
  /** Ids the broker nacked (e.g. a full queue with reject-publish): not stored; publish them again later, or park them. */
  nacked: string[];
  /** Ids that came back as unroutable (mandatory): not stored anywhere. */
  returned: string[];
}

export interface StrategyOptions {
  /** Stops publishing; messages already out are still answered, then the call rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** Collects the answers of one call; an unconfirmed message is kept apart and ends the call with an error. */
function answers(): {
  report: PublishReport;
  track(p: Promise<unknown>, messageId: string): Promise<void>;
  finish(signal?: AbortSignal): PublishReport;
} {
  const report: PublishReport = { confirmed: [], nacked: [], returned: [] };
  const lost: MessageUnconfirmedError[] = [];
  return {
    report,
    track: (p, messageId) =>
      p.then(
        () => void report.confirmed.push(messageId),
        (e: unknown) => {
          if (isPublisherConfirmsError(e, 'refused')) report[e.reason].push(e.messageId);
          else if (isPublisherConfirmsError(e, 'unconfirmed')) lost.push(e);
          else throw e;
        },
      ),
    finish(signal) {
      if (lost.length > 0) {
        const ids = lost.flatMap((e) => e.messageIds);
        throw new MessageUnconfirmedError(
          `${ids.length} of ${ids.length + report.confirmed.length + report.nacked.length + report.returned.length} messages not confirmed (${lost[0]!.message})`,
          lost[0]!.reason,
          ids,
          { cause: lost[0] },
        );
      }
      signal?.throwIfAborted();
      return report;
    },
  };
}

/** Ids for messages without one, so the report and a re-publish can name every message. */
function withId(message: Message, index: number): Message & { messageId: string } {
  check.kind(typeof message === 'object' && message !== null, `messages[${index}]`, 'must be an object', message);
  return { ...message, messageId: message.messageId ?? randomUUID() };
}

/** One message at a time: publish, wait for its confirm, then the next. */
export async function publishEach(
  publisher: Publisher,
  messages: Iterable<Message>,
  options: StrategyOptions = {},
): Promise<PublishReport> {
  checkCall(publisher, messages, options);
  const { signal } = options;
  const a = answers();
  let i = 0;
  for (const m of messages) {
    if (signal?.aborted) break;
    const message = withId(m, i++);
    await a.track(publisher.publish(message), message.messageId);
  }
  return a.finish(signal);
}

/** `batchSize` messages at a time: publish them all, then wait until every one of them is answered. */
export async function publishInBatches(
  publisher: Publisher,
  messages: Iterable<Message>,
  options: StrategyOptions & { batchSize: number },
): Promise<PublishReport> {
  checkCall(publisher, messages, options);
  const { signal, batchSize } = options;
  check.intIn('options.batchSize', batchSize, 1, 1_000_000);
  const a = answers();
  let batch: Array<Promise<void>> = [];
  let i = 0;
  for (const m of messages) {
    if (signal?.aborted) break;
    const message = withId(m, i++);
    batch.push(a.track(publisher.publish(message), message.messageId));
    if (batch.length === batchSize) {
      await Promise.all(batch); // waitForConfirms: every message of the batch answered
      batch = [];
    }
  }
  await Promise.all(batch);
  return a.finish(signal);
}

/** Publishes while fewer than `window` messages wait for their answer; each answer lets the next one out. */
export async function publishStreaming(
  publisher: Publisher,
  messages: Iterable<Message> | AsyncIterable<Message>,
  options: StrategyOptions & { window: number },
): Promise<PublishReport> {
  checkCall(publisher, messages, options, true);
  const { signal, window } = options;
  check.intIn('options.window', window, 1, 1_000_000);
  const a = answers();
  let waiting = 0;
  let slotFree: (() => void) | undefined;
  const tracked = new Set<Promise<void>>();
  let i = 0;
  for await (const m of messages) {
    if (signal?.aborted) break;
    const message = withId(m, i++);
    while (waiting >= window) await new Promise<void>((resolve) => (slotFree = resolve));
    waiting++;
    const t = a.track(publisher.publish(message), message.messageId).finally(() => {
      waiting--;
      tracked.delete(t);
      const wake = slotFree;
      slotFree = undefined;
      wake?.();
    });
    tracked.add(t);
  }
  await Promise.all(tracked);
  return a.finish(signal);
}

function checkCall(publisher: Publisher, messages: unknown, options: StrategyOptions, async = false): void {
  check.kind(
    typeof publisher === 'object' && publisher !== null && typeof publisher.publish === 'function',
    'publisher',
    'must be a Publisher (what confirmPublisher() resolves with)',
    publisher,
  );
  const iterable =
    typeof messages === 'object' &&
    messages !== null &&
    (Symbol.iterator in messages || (async && Symbol.asyncIterator in messages));
  check.kind(iterable, 'messages', async ? 'must be an iterable or async iterable' : 'must be an iterable', messages);
  check.options('options', options);
  check.signal('options.signal', options.signal);
}
