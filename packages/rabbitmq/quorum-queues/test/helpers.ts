// Shared by the tests: publishing many messages with a bounded number in flight, a consumer that logs what
// its handler saw, and a look at a queue through one node.
import { eventually } from '@poc/harness';
import amqp from 'amqplib';
import { onTestFinished } from 'vitest';
import {
  failoverConsumer,
  type ClusterPublisher,
  type ConsumerOptions,
  type Delivery,
  type FailoverConsumer,
} from '../src/index.ts';

export interface Job {
  n: number;
}

/** What a stream of publishes came to: the ids that resolved (confirmed, for the real publisher) and the errors. */
export interface Stream {
  readonly ok: string[];
  readonly failed: unknown[];
  /** Resolves when every publish has settled, or stop() was called and the ones in flight have. */
  readonly finished: Promise<void>;
  stop(): void;
}

/**
 * Publishes `count` messages (ids `${prefix}-0` ...) with at most `window` in flight, in the background;
 * count Infinity runs until stop().
 */
export function stream(publisher: ClusterPublisher<Job>, prefix: string, count: number, window: number): Stream {
  const ok: string[] = [];
  const failed: unknown[] = [];
  let next = 0;
  let stopped = false;
  const lane = async (): Promise<void> => {
    while (!stopped && next < count) {
      const n = next++;
      // A publish that resolves without waiting for the broker (the naive one) never leaves the microtask
      // queue: let timers and sockets run between messages, as any real producer's I/O would.
      if (n % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
      try {
        ok.push((await publisher.publish({ n }, { messageId: `${prefix}-${n}` })).messageId);
      } catch (e) {
        failed.push(e);
      }
    }
  };
  const finished = Promise.all(Array.from({ length: window }, lane)).then(() => {});
  return { ok, failed, finished, stop: () => void (stopped = true) };
}

export interface Handled {
  messageId: string;
  redelivered: boolean;
  node: string;
}

/** A consumer that logs every handler run into `log`; stopped after the test. */
export async function loggingConsumer(
  options: Omit<ConsumerOptions<Job>, 'handler'> & { before?: (job: Job, d: Delivery) => Promise<void> | void },
  log: Handled[],
): Promise<FailoverConsumer> {
  const { before, ...rest } = options;
  const consumer = await failoverConsumer<Job>({
    ...rest,
    handler: async (job, d) => {
      await before?.(job, d);
      log.push({ messageId: d.messageId!, redelivered: d.redelivered, node: d.node });
    },
  });
  onTestFinished(() => consumer.stop());
  return consumer;
}

/** The queue's ready-message count as one node reports it (a fresh connection, closed after). */
export async function messageCount(url: string, queue: string): Promise<number> {
  const c = await amqp.connect(url);
  c.on('error', () => {});
  try {
    const ch = await c.createChannel();
    ch.on('error', () => {});
    return (await ch.checkQueue(queue)).messageCount;
  } finally {
    await c.close().catch(() => {});
  }
}

/**
 * Every messageId in the queue, taken out (consumed without acks) once the queue's count has stopped
 * changing: a publisher without confirms may still have messages on their way into it when it stops.
 * Only for a queue nobody else consumes from.
 */
export async function takeAll(url: string, queue: string): Promise<string[]> {
  let last = -1;
  const held = await eventually(
    async () => {
      const count = await messageCount(url, queue);
      const same = count === last;
      last = count;
      return same ? { count } : false;
    },
    { timeoutMs: 60_000, intervalMs: 500, what: `the count of queue ${queue} to stop changing` },
  );
  const c = await amqp.connect(url);
  c.on('error', () => {});
  try {
    const ch = await c.createChannel();
    const ids: string[] = [];
    await ch.consume(queue, (m) => void (m && ids.push(String(m.properties.messageId))), { noAck: true });
    await eventually(() => ids.length >= held.count, { timeoutMs: 60_000, what: `${held.count} messages taken` });
    return ids;
  } finally {
    await c.close().catch(() => {});
  }
}

/** Waits until the consumer has nothing left: the queue reports no ready message and every delivery was settled. */
export async function drained(consumer: FailoverConsumer, url: string, what: string): Promise<void> {
  await eventually(
    async () => {
      const { delivered, handled, duplicates, failed, handedBack } = consumer.stats;
      const settled = handled + duplicates + failed + handedBack;
      return delivered === settled && (await messageCount(url, consumer.queue)) === 0;
    },
    { timeoutMs: 60_000, intervalMs: 200, what },
  );
}

/** eventually(), and when it times out, the last state described by `state()` in the error. */
export function until(
  condition: () => boolean,
  state: () => unknown,
  options: { timeoutMs: number; what: string },
): Promise<true> {
  return eventually(
    () => {
      if (condition()) return true as const;
      throw new Error(`last state: ${JSON.stringify(state())}`);
    },
    { ...options, intervalMs: 50 },
  );
}

export const sortedIds = (ids: Iterable<string>): string[] =>
  [...ids].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));

/** How many times each value occurs, for the values that occur more than once. */
export function repeats(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).filter(([, c]) => c > 1));
}
