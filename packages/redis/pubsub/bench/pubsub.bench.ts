// pnpm --filter poc-redis-pubsub bench
// 1. Fan-out latency to N = 1, 10, 100 subscribers (each on its own connection, all in this process):
//    one PUBLISH at a time; an operation ends when the last of the N has the message, so the harness's
//    latency columns are "publish -> all N received". Every single receipt's latency (receivedAt -
//    sentAt, both from this process's clock) is collected as well and reported as p50/p99 facts.
// 2. Delivery throughput, pub/sub vs a stream (XADD + one reader blocked in XREAD from its last id),
//    one receiver, 16 messages in flight. The stream is the baseline: ratio = pubsub ÷ stream.
import { benchReport, compareLoad, latencySummary, redisNamespace, uniqueName } from '@poc/harness';
import { runMain } from '@poc/kit';
import { feedWriter, openFeedReader, publisher, subscribe, type FeedReader, type Subscription } from '../src/index.ts';

const FANOUTS = [1, 10, 100] as const;
const IN_FLIGHT = 16;
const DURATION_MS = 1_500;
const ROUNDS = 3;
const PAYLOAD = { title: 'Your order #1234 has shipped', url: '/orders/1234', kind: 'order.shipped' };

interface Msg {
  seq: number;
  body: typeof PAYLOAD;
}

runMain(async () => {
  const ns = await redisNamespace({ name: 'pubsubbench' });
  const subscriptions: Subscription[] = [];
  const readers: FeedReader<Msg>[] = [];
  const stop = new AbortController();
  let readLoop: Promise<void> = Promise.resolve();
  try {
    const redis = ns.client();
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
    const writer = feedWriter<Msg>(redis, { stream: 'single', maxLen: 100_000 });
    const reader = await openFeedReader<Msg>(redis, { stream: 'single' });
    readers.push(reader);
    readLoop = (async () => {
      while (!stop.signal.aborted) for (const e of await reader.read({ count: 100, blockMs: 100 })) receipt(e.data.seq);
    })();
    const delivery = await compareLoad({
      id: 'delivery',
      title: `Send -> one receiver has it, ${IN_FLIGHT} messages in flight: stream (XADD + XREAD) vs pub/sub`,
      variants: {
        stream: () => sendAndAwait(1, (m) => writer.append(m)),
        pubsub: () => sendAndAwait(1, (m) => pub.publish('single', m)),
      },
      concurrency: IN_FLIGHT,
      durationMs: DURATION_MS,
      rounds: ROUNDS,
    });

    const report = benchReport({
      parameters: {
        subscribers: FANOUTS.join('/'),
        connectionsPerSubscriber: 1,
        subscribersInProcess: 'all (one Node process, also the publisher)',
        payloadBytes: JSON.stringify(PAYLOAD).length,
        deliveryInFlight: IN_FLIGHT,
        durationMs: DURATION_MS,
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

    const p = (n: (typeof FANOUTS)[number], q: 'p50' | 'p99'): string => receipts.get(n)![q].toFixed(2);
    const ratio = delivery.ratios[0]!.median.toFixed(2);
    await report.finish(
      `Per-receipt fan-out latency p50/p99: ${p(1, 'p50')}/${p(1, 'p99')} ms to 1 subscriber, ${p(10, 'p50')}/${p(10, 'p99')} ms to 10, ` +
        `${p(100, 'p50')}/${p(100, 'p99')} ms to 100 (all in one process); pub/sub ÷ stream delivery throughput = ${ratio}x.`,
    );
  } finally {
    stop.abort();
    await readLoop.catch(() => {});
    for (const r of readers) r.close();
    await Promise.all(subscriptions.map((s) => s.close()));
    await ns.close();
  }
});
