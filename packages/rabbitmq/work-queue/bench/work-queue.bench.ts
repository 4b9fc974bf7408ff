// pnpm --filter poc-rabbitmq-work-queue bench
// 1. Consume throughput vs prefetch: a queue pre-filled with persistent messages (untimed, every one
//    confirmed), then WORKERS workers (one handler at a time each) drain it; timed from the first
//    delivery to the last handler's return (its ack is written right after). Twice: with a no-op
//    handler (the round trip dominates) and with a 1 ms handler (simulated I/O).
// 2. Publish with and without confirms, timed to the same point for every variant: all PUBLISHES
//    messages consumed. A consumer (its own connection, prefetch CONSUMER_PREFETCH, no-op handler) is
//    running on the purged queue before the clock starts; the clock stops when it has handled the last
//    message and the publishing call has returned (for the confirm variants: every confirm is in).
//    Timing "no confirms" only until its last message was handed to the socket (an earlier version)
//    compared an application-side moment with the broker's acknowledgement.
// Rounds are interleaved and rotated by the harness (compareRounds); ratios are taken within a round.
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { runMain } from '@poc/kit';
import { amqpNamespace, benchProfile, benchReport, compareRounds, serverFor, type RoundSample } from '@poc/harness';
import type { ChannelModel } from 'amqplib';
import { isWorkQueueError, publisher, worker, type Publisher, type Worker } from '../src/index.ts';

const SHORT = benchProfile() === 'short';
const NOOP_MESSAGES = SHORT ? 1_000 : 6_000;
const IO_MESSAGES = SHORT ? 400 : 1_200;
const WORKERS = 2;
const PUBLISHES = SHORT ? 600 : 2_000;
const BATCH = 100;
const CONSUMER_PREFETCH = 100;
const ROUNDS = 6; // the harness's interval reaches 95% from 6 rounds
const PREFETCH = { 'prefetch 1': 1, 'prefetch 10': 10, 'prefetch 100': 100, unlimited: 0 } as const;

interface Job {
  n: number;
}

/** The filesystem type (tmpfs, ext4 ...) that holds `path`, from /proc/mounts: the longest mount point above it. */
function filesystemOf(path: string): string {
  let best = { mount: '', type: 'unknown' };
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const [, mount, type] = line.split(' ');
    if (!mount || !type) continue;
    const m = mount.replace(/\\040/g, ' ');
    const under = path === m || path.startsWith(m.endsWith('/') ? m : `${m}/`);
    if (under && m.length >= best.mount.length) best = { mount: m, type };
  }
  return best.type;
}

/**
 * Where the broker keeps its messages, and on what: a local node (started by the harness or not) is
 * found by its AMQP port among this machine's processes; a broker in Docker or elsewhere is not inspected.
 */
async function brokerStorage(): Promise<string> {
  const server = await serverFor('rabbitmq');
  const port = new URL(server.url).port;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let env: string[];
    try {
      env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!env.includes(`RABBITMQ_NODE_PORT=${port}`)) continue;
    const base = env.find((e) => e.startsWith('RABBITMQ_MNESIA_BASE='))?.slice('RABBITMQ_MNESIA_BASE='.length);
    if (base) return `${base} on ${filesystemOf(base)}`;
  }
  return `not inspected (${server.provider} broker)`;
}

/** Requeued or rejected deliveries of the workers: a handler that cannot fail makes them real errors. */
const failures = (workers: ReadonlyArray<Worker>): number =>
  workers.reduce((a, w) => a + w.stats.requeued + w.stats.rejected, 0);

runMain(async () => {
  const ns = await amqpNamespace({ name: 'wqbench' });
  try {
    const conns: ChannelModel[] = await Promise.all(Array.from({ length: WORKERS + 1 }, () => ns.connect()));
    const [pubConn, ...workerConns] = conns as [ChannelModel, ...ChannelModel[]];
    const admin = await pubConn.createChannel();
    const messageCount = async (queue: string): Promise<number> => (await admin.checkQueue(queue)).messageCount;

    // --- 1. consume throughput vs prefetch ---------------------------------------------------------
    const consumeQueue = ns.name('consume');
    const filler = await publisher<Job>(pubConn, consumeQueue);
    const fill = async (messages: number): Promise<void> => {
      for (let i = 0; i < messages; i += 500)
        await filler.publishAll(Array.from({ length: Math.min(500, messages - i) }, (_, k) => ({ n: i + k })));
    };
    const drain =
      (prefetch: number, messages: number, handler: () => Promise<void>) => async (): Promise<RoundSample> => {
        await fill(messages);
        let handled = 0;
        let allHandled!: () => void;
        const finished = new Promise<void>((resolve) => (allHandled = resolve));
        let t0 = 0; // the first delivery: opening channels and consumers is not part of the rate
        let t1 = 0;
        const workers = await Promise.all(
          workerConns.map((c) =>
            worker<Job>(c, consumeQueue, {
              prefetch,
              concurrency: 1,
              handler: async () => {
                t0 ||= performance.now();
                await handler();
                if (++handled === messages) {
                  t1 = performance.now();
                  allHandled(); // its ack is written right after this handler returns
                }
              },
            }),
          ),
        );
        await finished;
        await Promise.all(workers.map((w) => w.stop()));
        const left = await messageCount(consumeQueue);
        if (left !== 0 || handled !== messages)
          throw new Error(`prefetch ${prefetch}: ${handled} handled, ${left} left in the queue`);
        return { ops: messages, seconds: (t1 - t0) / 1_000, errors: failures(workers) };
      };
    const noop = async (): Promise<void> => {};
    const oneMs = async (): Promise<void> => void (await sleep(1));
    const sweep = (messages: number, handler: () => Promise<void>): Record<string, () => Promise<RoundSample>> =>
      Object.fromEntries(Object.entries(PREFETCH).map(([name, p]) => [name, drain(p, messages, handler)]));

    const report = benchReport({
      parameters: {
        consumeMessages: `${NOOP_MESSAGES} (no-op handler), ${IO_MESSAGES} (1 ms handler)`,
        workers: `${WORKERS} (own connections, one handler at a time)`,
        handlers: 'no-op; 1 ms timer (simulated I/O)',
        consumeTimed: 'first delivery -> last handler returned',
        publishMessages: PUBLISHES,
        batch: BATCH,
        publishTimed: `first publish -> last message handled by a consumer (prefetch ${CONSUMER_PREFETCH}, own connection) and the publishing call returned`,
        messages: 'persistent JSON ~10 bytes, durable classic queue',
        durability: `RabbitMQ defaults; a confirm is sent once a persistent message is written to its durable queue's store or consumed; node data ${await brokerStorage()}`,
        rounds: ROUNDS,
        warmup: '1 untimed sample per variant',
      },
      services: ['rabbitmq'],
    });

    const consume = async (id: string, title: string, messages: number, handler: () => Promise<void>) => {
      const variants = sweep(messages, handler);
      for (const run of Object.values(variants)) await run(); // warm-up, untimed
      report.add(await compareRounds({ id, title, variants, rounds: ROUNDS, unit: 'msg/s' }));
    };
    await consume(
      'consume-noop',
      `Consume ${NOOP_MESSAGES} messages, ${WORKERS} workers x 1 handler, no-op handler: msg/s by prefetch`,
      NOOP_MESSAGES,
      noop,
    );
    await consume(
      'consume-1ms',
      `Consume ${IO_MESSAGES} messages, ${WORKERS} workers x 1 handler, 1 ms handler: msg/s by prefetch`,
      IO_MESSAGES,
      oneMs,
    );
    await filler.close();

    // --- 2. publish with and without confirms, timed until every message is consumed --------------
    const publishQueue = ns.name('publish');
    const plain = await publisher<Job>(pubConn, publishQueue, { confirms: false });
    const confirming = await publisher<Job>(pubConn, publishQueue);
    const consumerConn = workerConns[0]!;
    const payloads = Array.from({ length: PUBLISHES }, (_, n) => ({ n }));
    /** Publishes everything; returns how many messages the broker refused (nacked, returned, unknown). */
    type Run = (p: Publisher<Job>) => Promise<number>;
    const refused = (e: unknown): number => {
      if (isWorkQueueError(e, 'not-confirmed')) return e.messageIds.length;
      throw e;
    };
    const timedPublish = (run: Run, p: Publisher<Job>) => async (): Promise<RoundSample> => {
      await admin.purgeQueue(publishQueue);
      let handled = 0;
      let expected = PUBLISHES;
      let last = 0;
      let wake: (() => void) | undefined;
      const consumer = await worker<Job>(consumerConn, publishQueue, {
        prefetch: CONSUMER_PREFETCH,
        handler: () => {
          handled++;
          last = performance.now();
          if (handled >= expected) wake?.();
        },
      });
      try {
        const t0 = performance.now();
        const errors = await run(p);
        const published = performance.now();
        expected = PUBLISHES - errors;
        if (handled < expected) {
          let timer: NodeJS.Timeout | undefined;
          await new Promise<void>((resolve, reject) => {
            wake = resolve;
            timer = setTimeout(
              () => reject(new Error(`${handled} of ${expected} published messages consumed after 30 s`)),
              30_000,
            );
          }).finally(() => clearTimeout(timer));
        }
        const seconds = (Math.max(published, last) - t0) / 1_000;
        return { ops: PUBLISHES, seconds, errors: errors + failures([consumer]) };
      } finally {
        await consumer.stop();
      }
    };
    const publishVariants = {
      'no confirms': timedPublish(async (p) => {
        await p.publishAll(payloads);
        return 0;
      }, plain),
      'confirm each (await every publish)': timedPublish(async (p) => {
        let errors = 0;
        for (const job of payloads) await p.publish(job).catch((e: unknown) => void (errors += refused(e)));
        return errors;
      }, confirming),
      [`confirm per batch of ${BATCH}`]: timedPublish(async (p) => {
        let errors = 0;
        for (let i = 0; i < PUBLISHES; i += BATCH)
          await p.publishAll(payloads.slice(i, i + BATCH)).catch((e: unknown) => void (errors += refused(e)));
        return errors;
      }, confirming),
      [`confirm all ${PUBLISHES} at once`]: timedPublish(
        (p) =>
          p.publishAll(payloads).then(
            () => 0,
            (e: unknown) => refused(e),
          ),
        confirming,
      ),
    };
    for (const run of Object.values(publishVariants)) await run(); // warm-up, untimed
    report.add(
      await compareRounds({
        id: 'publish',
        title: `Publish ${PUBLISHES} persistent messages to a durable queue, timed until a consumer has handled all of them: msg/s`,
        variants: publishVariants,
        rounds: ROUNDS,
        unit: 'msg/s',
      }),
    );
    await plain.close();
    await confirming.close();
    await admin.close();

    await report.finish(
      'With a no-op handler, prefetch 10 vs 1: {ratio:consume-noop/prefetch 10}; unlimited vs 1: {ratio:consume-noop/unlimited}. ' +
        'With a 1 ms handler, prefetch 10 vs 1: {ratio:consume-1ms/prefetch 10}; unlimited vs 1: {ratio:consume-1ms/unlimited}. ' +
        'Publishing until every message was consumed, awaiting each confirm vs no confirms: {ratio:publish/confirm each (await every publish)} ' +
        `({ops:publish/confirm each (await every publish)} vs {ops:publish/no confirms} msg/s); one wait per batch of ${BATCH}: {ratio:publish/confirm per batch of ${BATCH}}.`,
    );
  } finally {
    await ns.close();
  }
});
