// Tuning by measurement: measureDrain() runs one point of the curve against the real broker (a queue
// filled with confirmed messages, then drained by N consumers with a given prefetch and your handler),
// and recommendPrefetch() reads a curve of such points and picks the smallest prefetch that gets within
// a tolerance of the best throughput — small prefetch keeps dispatch fair and latency in the buffer low,
// so anything beyond the knee of the curve is cost without benefit.
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { tunedConsumer, checkConnection, checkQueue, type Delivery } from './consumer.ts';
import { amqpCall, check } from './errors.ts';

export interface DrainOptions<T> {
  /** A queue of your own: it is purged first, filled with `payloads` (persistent, confirmed), then drained. */
  queue: string;
  payloads: readonly T[];
  prefetch: number;
  /** Consumers, each on its own channel, spread over the connections given (default 1). */
  consumers?: number;
  /** Handlers per consumer (default 1). */
  concurrency?: number;
  handler: (payload: T, delivery: Delivery) => Promise<void> | void;
}

export interface DrainResult {
  messages: number;
  /** From the consumers' start (channel, basic.qos, subscribe) to the last handler's return; the fill is not timed. */
  seconds: number;
  msgPerSec: number;
  /** Messages handled by each consumer, in start order. */
  perConsumer: number[];
  /** Time messages spent prefetched in a consumer before their handler started (nearest rank), ms. */
  waitedMs: { p50: number; p99: number; max: number };
  /** Handler failures and messages redelivered: 0 on a clean run. */
  errors: number;
}

/** Nearest-rank percentile of sorted values. */
const rank = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/** One point of the curve: fill, drain with `consumers` x `prefetch`, and time it. */
export async function measureDrain<T>(
  connections: readonly ChannelModel[],
  options: DrainOptions<T>,
): Promise<DrainResult> {
  check.kind(Array.isArray(connections), 'connections', 'must be an array of connections', connections);
  check.that(connections.length > 0, 'connections', 'must hold at least one connection', connections);
  connections.forEach((c, i) => checkConnection(c, `connections[${i}]`));
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  checkQueue(options.queue);
  check.kind(Array.isArray(options.payloads), 'options.payloads', 'must be an array', options.payloads);
  check.that(options.payloads.length > 0, 'options.payloads', 'must hold at least one payload', options.payloads);
  const consumers = options.consumers ?? 1;
  check.intIn('options.consumers', consumers, 1, 1000);
  const { queue, payloads, handler } = options;

  const filler: ConfirmChannel = await amqpCall('opening a confirm channel', () =>
    connections[0]!.createConfirmChannel(),
  );
  filler.on('error', () => {});
  try {
    await amqpCall(`filling queue "${queue}"`, async () => {
      await filler.assertQueue(queue, { durable: true });
      await filler.purgeQueue(queue);
      for (const p of payloads) {
        if (!filler.sendToQueue(queue, Buffer.from(JSON.stringify(p)), { persistent: true }))
          await new Promise((resolve) => filler.once('drain', resolve));
      }
      await filler.waitForConfirms();
    });
  } finally {
    await filler.close().catch(() => {});
  }

  let handled = 0;
  let errors = 0;
  let first = 0;
  let last = 0;

  const waited: number[] = [];
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  // The clock starts before the consumers subscribe: whatever the broker pushes into their buffers while
  // the others are still subscribing is part of the work timed (a prefetch larger than the backlog would
  // otherwise move the whole transfer out of the measurement). Consumers subscribe at once, in parallel.
  first = performance.now();
  const started = await Promise.all(
    Array.from({ length: consumers }, (_, i) =>
      tunedConsumer<T>(connections[i % connections.length]!, queue, {
        prefetch: options.prefetch,
        concurrency: options.concurrency,
        handler: async (payload, delivery) => {
          waited.push(delivery.waitedMs);
          if (delivery.redelivered) errors++;
          try {
            await handler(payload, delivery);
          } catch (e) {
            errors++;
            throw e;
          }
          if (++handled === payloads.length) {
            last = performance.now();
            finish(); // the last ack is written right after this returns
          }
        },
      }),
    ),
  );
  try {
    await Promise.race([finished, ...started.map((c) => c.done)]);
  } finally {
    await Promise.all(started.map((c) => c.stop()));
  }
  await Promise.all(started.map((c) => c.done)); // a consumer that failed fails the measurement
  waited.sort((a, b) => a - b);
  const seconds = (last - first) / 1_000;
  return {
    messages: payloads.length,
    seconds,
    msgPerSec: payloads.length / seconds,
    perConsumer: started.map((c) => c.stats.acked),
    waitedMs: { p50: rank(waited, 50), p99: rank(waited, 99), max: waited.at(-1) ?? 0 },
    errors,
  };
}

export interface CurvePoint {
  prefetch: number;
  msgPerSec: number;
}

/**
 * The smallest prefetch whose throughput is at least `within` (default 0.9) of the curve's best. Unlimited
 * (0) counts as the largest prefetch, chosen only if nothing smaller comes close.
 */
export function recommendPrefetch(curve: readonly CurvePoint[], options: { within?: number } = {}): number {
  check.kind(Array.isArray(curve), 'curve', 'must be an array of points', curve);
  check.that(curve.length > 0, 'curve', 'must hold at least one point', curve);
  curve.forEach((p, i) => {
    check.intIn(`curve[${i}].prefetch`, p.prefetch, 0, 65535);
    check.positiveNumber(`curve[${i}].msgPerSec`, p.msgPerSec);
  });
  check.options('options', options);
  const within = options.within ?? 0.9;
  check.numberIn('options.within', within, 0.01, 1);
  const size = (p: number): number => (p === 0 ? Infinity : p);
  const best = Math.max(...curve.map((p) => p.msgPerSec));
  const good = curve.filter((p) => p.msgPerSec >= within * best).sort((a, b) => size(a.prefetch) - size(b.prefetch));
  return good[0]!.prefetch;
}
