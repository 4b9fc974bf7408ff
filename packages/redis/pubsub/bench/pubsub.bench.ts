// pnpm --filter poc-redis-pubsub bench
// 1. Fan-out latency to N = 1, 10, 100 subscribers (each on its own connection, all in this process):
//    one PUBLISH at a time; an operation ends when the last of the N has the message, so the harness's
//    latency columns are "publish -> all N received". Every single receipt's latency (receivedAt -
//    sentAt, both from this process's clock) is collected as well and reported as p50/p99 facts.
// 2. Delivery throughput, pub/sub vs a stream (XADD + one reader blocked in XREAD from its last id),
//    one receiver, 16 messages in flight. The stream is the baseline: ratio = pubsub ÷ stream.
//    Same state for both: every stream run (and its warm-up) writes to a new, empty stream with a new
//    reader, deleted after it, so no run appends to a stream that earlier rounds filled (and MAXLEN
//    trimming never starts part-way through the bench); the reader is stopped while pub/sub is timed.
// Both comparisons interleave their variants round by round (harness compareLoad); 9 rounds, so the
// 95% interval of each median ratio is the 2nd to the 8th of the 9 per-round ratios.
import { benchReport, compareLoad, latencySummary, redisNamespace, uniqueName } from '@poc/harness';
import type { Redis } from 'ioredis';
import { runMain } from '@poc/kit';
import {
  feedWriter,
  openFeedReader,
  publisher,
  subscribe,
  type FeedReader,
  type FeedWriter,
  type Subscription,
} from '../src/index.ts';

const FANOUTS = [1, 10, 100] as const;
const IN_FLIGHT = 16;
const DURATION_MS = 1_000;
const WARMUP_MS = 300;
const ROUNDS = 9;
const PAYLOAD = { title: 'Your order #1234 has shipped', url: '/orders/1234', kind: 'order.shipped' };

interface Msg {
  seq: number;
  body: typeof PAYLOAD;
}

runMain(async () => {
  const ns = await redisNamespace({ name: 'pubsubbench' });
  const subscriptions: Subscription[] = [];
  // The stream side of the delivery comparison: a new stream and reader per run (see closeStream).
  let feed:
    | { stream: string; writer: FeedWriter<Msg>; reader: FeedReader<Msg>; halt: AbortController; loop: Promise<void> }
    | undefined;
  let streams = 0;
  const closeStream = async (redis: Redis): Promise<void> => {
    const f = feed;
    feed = undefined;
    if (!f) return;
    f.halt.abort();
    await f.loop; // ends within one blockMs; a read that failed rejects here and fails the bench
    f.reader.close();
    await redis.unlink(f.stream);
  };
  let client: Redis | undefined;
  try {
    const redis = ns.client();
    client = redis;
    const namespace = uniqueName('bench');
    const pub = publisher<Msg>(redis, { namespace });
    let seq = 0;

    // Waiters: seq -> receipts still missing, and who to wake when they are all in.
    const waiting = new Map<number, { missing: number; done: () => void }>();
    const receipt = (s: number): void => {
      const w = waiting.get(s);
      if (w && --w.missing === 0) {
        waiting.delete(s);
        w.done();
      }
    };
    const sendAndAwait = async (receivers: number, send: (msg: Msg) => Promise<unknown>): Promise<void> => {
      const msg = { seq: ++seq, body: PAYLOAD };
      const all = new Promise<void>((done) => waiting.set(msg.seq, { missing: receivers, done }));
      await send(msg);
      await all;
    };

    // 1. Fan-out: one topic per N, N subscriptions on it, each on its own connection.
    const receiptMs = new Map<string, number[]>(FANOUTS.map((n) => [`n${n}`, []]));
    const recording = new Map<string, boolean>();
    for (const n of FANOUTS) {
      for (let i = 0; i < n; i++) {
        subscriptions.push(
          await subscribe<Msg>(redis, {
            namespace,
            topics: [`fanout-${n}`],
            connectionName: `bench-n${n}-${i}`,
            handler: ({ data, sentAt, receivedAt }) => {
              if (recording.get(`n${n}`)) receiptMs.get(`n${n}`)!.push(receivedAt - sentAt);
              receipt(data.seq);
            },
          }),
        );
      }
    }
    const calls = new Map<string, number>();
    const fanout = await compareLoad({
      id: 'fanout',
      title: 'PUBLISH -> all N subscribers received it (one message at a time; latency = until the last of N)',
      variants: Object.fromEntries(
        FANOUTS.map((n) => [`n${n}`, () => sendAndAwait(n, (m) => pub.publish(`fanout-${n}`, m))]),
      ),
      concurrency: 1,
      durationMs: DURATION_MS,
      warmupMs: WARMUP_MS,
      rounds: ROUNDS,
      // The first call per variant is the untimed warm-up: record receipts from the second on.
      beforeEach: (variant) => {
        calls.set(variant, (calls.get(variant) ?? 0) + 1);
        recording.set(variant, calls.get(variant)! > 1);
      },
    });

    // 2. Delivery throughput: one subscriber vs one stream reader, same envelope, same waiting.
    const single = await subscribe<Msg>(redis, {
      namespace,
      topics: ['single'],
      connectionName: 'bench-single',
      handler: ({ data }) => receipt(data.seq),
    });
    subscriptions.push(single);
    /** Before each run (and warm-up): the previous stream and reader gone; for the stream side, new ones. */
    const fresh = async (variant: string): Promise<void> => {
      await closeStream(redis);
      if (variant !== 'stream') return;
      const stream = `single-${++streams}`;
      const writer = feedWriter<Msg>(redis, { stream, maxLen: 100_000 });
      const reader = await openFeedReader<Msg>(redis, { stream, from: '0' });
      const halt = new AbortController();
      const loop = (async () => {
        while (!halt.signal.aborted)
          for (const e of await reader.read({ count: 100, blockMs: 100 })) receipt(e.data.seq);
      })();
      loop.catch(() => {}); // reported by closeStream
      feed = { stream, writer, reader, halt, loop };
    };
    const delivery = await compareLoad({
      id: 'delivery',
      title: `Send -> one receiver has it, ${IN_FLIGHT} messages in flight: stream (XADD + XREAD) vs pub/sub`,
      variants: {
        stream: () => sendAndAwait(1, (m) => feed!.writer.append(m)),
        pubsub: () => sendAndAwait(1, (m) => pub.publish('single', m)),
      },
      concurrency: IN_FLIGHT,
      durationMs: DURATION_MS,
      warmupMs: WARMUP_MS,
      rounds: ROUNDS,
      beforeEach: fresh,
    });
    await closeStream(redis);
    const settings = await Promise.all(
      ['appendonly', 'appendfsync', 'save'].map(async (name) => {
        const [, value] = (await redis.config('GET', name)) as [string, string];
        return `${name}=${value === '' ? '""' : value}`;
      }),
    );

    const report = benchReport({
      parameters: {
        subscribers: FANOUTS.join('/'),
        connectionsPerSubscriber: 1,
        subscribersInProcess: 'all (one Node process, also the publisher)',
        payloadBytes: JSON.stringify(PAYLOAD).length,
        deliveryInFlight: IN_FLIGHT,
        durationMsPerRun: DURATION_MS,
        warmupMsPerVariant: WARMUP_MS,
        streamReader: 'XREAD COUNT 100 BLOCK 100 from its last id, one connection of its own',
        freshState: 'a new stream and reader for every stream run and warm-up, deleted after it',
        redisPersistence: settings.join(' '),
      },
      services: ['redis'],
    });
    report.add(fanout);
    report.add(delivery);
    const receipts = new Map(FANOUTS.map((n) => [n, latencySummary(receiptMs.get(`n${n}`)!)]));
    for (const [n, r] of receipts) {
      report.add({
        id: `receipt-p50-n${n}`,
        title: `Per-receipt latency p50, N=${n} (${r.count} receipts)`,
        value: Math.round(r.p50 * 1000) / 1000,
        unit: 'ms',
      });
      report.add({
        id: `receipt-p99-n${n}`,
        title: `Per-receipt latency p99, N=${n} (${r.count} receipts)`,
        value: Math.round(r.p99 * 1000) / 1000,
        unit: 'ms',
      });
    }

    await report.finish(
      'Per-receipt fan-out latency p50/p99: {fact:receipt-p50-n1}/{fact:receipt-p99-n1} to 1 subscriber, ' +
        '{fact:receipt-p50-n10}/{fact:receipt-p99-n10} to 10, {fact:receipt-p50-n100}/{fact:receipt-p99-n100} to 100 ' +
        '(all in one process); pub/sub ÷ stream delivery throughput = {ratio:delivery/pubsub}.',
    );
  } finally {
    if (client) await closeStream(client).catch(() => {});
    await Promise.all(subscriptions.map((s) => s.close()));
    await ns.close();
  }
});
