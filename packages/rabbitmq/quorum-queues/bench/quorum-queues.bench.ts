// pnpm --filter poc-rabbitmq-quorum-queues bench: what replication costs. On one private 3-node cluster,
// the same work through the same library for each variant: MESSAGES persistent messages published with
// confirms (WINDOW waiting for a confirm at most) while a consumer (prefetch PREFETCH, manual acks, no-op
// handler) takes them; timed from the first publish until every message is confirmed and handled.
//   classic: a classic queue declared through node 1 (it lives there), clients on node 1;
//   quorum: a quorum queue declared through node 1 (its leader there, members on all 3), clients on node 1;
//   quorum via a follower: the same kind of queue, clients on node 2 (every operation takes a hop to the leader).
// Connections are opened before the clock starts; rounds are interleaved and rotated (compareRounds).
import { readFileSync, readdirSync } from 'node:fs';
import { runMain } from '@poc/kit';
import { benchProfile, benchReport, compareRounds, privateRabbitmqCluster, type RoundSample } from '@poc/harness';
import amqp from 'amqplib';
import { failoverConsumer, failoverPublisher, type ClusterPublisher, type QueueType } from '../src/index.ts';

const SHORT = benchProfile() === 'short';
const MESSAGES = SHORT ? 500 : 5_000;
const WINDOW = 100;
const PREFETCH = 100;
const ROUNDS = 6; // the harness's interval reaches 95% from 6 rounds

interface Job {
  n: number;
}

/** The filesystem type (tmpfs, ext4 ...) holding `path`, from /proc/mounts: the longest mount point above it. */
function filesystemOf(path: string): string {
  let best = { mount: '', type: 'unknown' };
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const [, mount, type] = line.split(' ');
    if (!mount || !type) continue;
    const under = path === mount || path.startsWith(mount.endsWith('/') ? mount : `${mount}/`);
    if (under && mount.length >= best.mount.length) best = { mount, type };
  }
  return best.type;
}

/** Where a local node keeps its data, found by its AMQP port among this machine's processes. */
function nodeStorage(url: string): string {
  const port = new URL(url).port;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let env: string[];
    try {
      env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!env.includes(`RABBITMQ_NODE_PORT=${port}`)) continue;
    const base = env.find((e) => e.startsWith('RABBITMQ_MNESIA_BASE='))?.slice('RABBITMQ_MNESIA_BASE='.length);
    if (base) return filesystemOf(base);
  }
  return 'not inspected';
}

/** Publishes `ids` with at most WINDOW waiting for a confirm; returns how many were not confirmed. */
async function publishWindowed(publisher: ClusterPublisher<Job>, ids: readonly string[]): Promise<number> {
  let next = 0;
  let failed = 0;
  const lane = async (): Promise<void> => {
    while (next < ids.length) {
      const n = next++;
      await publisher.publish({ n }, { messageId: ids[n]! }).catch(() => void failed++);
    }
  };
  await Promise.all(Array.from({ length: WINDOW }, lane));
  return failed;
}

runMain(async () => {
  const started = performance.now();
  const cluster = await privateRabbitmqCluster({ nodes: 3 });
  const startSeconds = (performance.now() - started) / 1_000;
  const urls = cluster.urls;
  const publishers: Array<ClusterPublisher<Job>> = [];
  try {
    const report = benchReport({
      parameters: {
        cluster: `3 RabbitMQ ${cluster.nodes[0]!.version} nodes on loopback (privateRabbitmqCluster), all on this machine's cores; started in ${startSeconds.toFixed(1)} s`,
        messages: `${MESSAGES} per sample, ~10-byte JSON, persistent, durable queues`,
        timed: `first publish -> every message confirmed and handled by the consumer`,
        publisher: `failoverPublisher, confirms, ${WINDOW} waiting for a confirm at most, 1 connection`,
        consumer: `failoverConsumer, prefetch ${PREFETCH}, manual ack after a no-op handler, 1 connection, started before the clock`,
        replication: `quorum: 3 members (one per node; a confirm once a majority has the message in its log, fsynced); classic: one copy, on the node it was declared through`,
        storage: `node data directories on ${[...new Set(urls.map(nodeStorage))].join(', ')} (tmpfs makes fsync nearly free; on disks the quorum side pays more)`,
        rounds: ROUNDS,
        warmup: '1 untimed sample per variant',
      },
      services: [],
    });

    /** Declares `queue` through node 1, and a publisher for it whose clients connect to `via`. */
    const setup = async (queue: string, type: QueueType, via: string) => {
      const c = await amqp.connect(urls[0]!);
      await (await c.createChannel()).assertQueue(queue, { durable: true, arguments: { 'x-queue-type': type } });
      await c.close();
      const publisher = failoverPublisher<Job>({ urls: [via], queue, type, timeoutMs: 30_000 });
      publishers.push(publisher);
      await publisher.publish({ n: -1 }); // connects; consumed by the first (untimed) sample
      return { queue, type, via, publisher };
    };
    let samples = 0;
    const sample =
      ({ queue, type, via, publisher }: Awaited<ReturnType<typeof setup>>) =>
      async (): Promise<RoundSample> => {
        const ids = Array.from({ length: MESSAGES }, (_, n) => `s${samples}-${n}`);
        samples++;
        const wanted = new Set(ids);
        let handled = 0;
        let expected = MESSAGES;
        let last = 0;
        let wake = (): void => {};
        const consumer = await failoverConsumer<Job>({
          urls: [via],
          queue,
          type,
          prefetch: PREFETCH,
          handler: (_job, d) => {
            if (!wanted.has(d.messageId!)) return; // the connecting message of setup()
            handled++;
            last = performance.now();
            if (handled === expected) wake();
          },
        });
        try {
          const t0 = performance.now();
          const errors = await publishWindowed(publisher, ids);
          const confirmed = performance.now();
          expected = MESSAGES - errors;
          if (handled < expected) await new Promise<void>((resolve) => (wake = resolve));
          return { ops: MESSAGES, seconds: (Math.max(confirmed, last) - t0) / 1_000, errors };
        } finally {
          await consumer.stop();
        }
      };

    const variants = {
      classic: sample(await setup('bench_classic', 'classic', urls[0]!)),
      quorum: sample(await setup('bench_quorum', 'quorum', urls[0]!)),
      'quorum via a follower': sample(await setup('bench_quorum_follower', 'quorum', urls[1]!)),
    };
    for (const run of Object.values(variants)) await run(); // warm-up, untimed
    report.add(
      await compareRounds({
        id: 'throughput',
        title: `Publish ${MESSAGES} messages with confirms and consume them, on a 3-node cluster: msg/s until all are confirmed and handled`,
        variants,
        baseline: 'classic',
        rounds: ROUNDS,
        unit: 'msg/s',
      }),
    );

    await report.finish(
      "This POC's own claim (the roadmap gives none for #69), the cost of replication: publishing with confirms and " +
        'consuming until every message is handled, a quorum queue with 3 members ÷ a classic queue on one node, ' +
        'clients on the node that leads or holds the queue: {ratio:throughput/quorum} ' +
        '({ops:throughput/quorum} vs {ops:throughput/classic} msg/s); clients on a follower node: ' +
        '{ratio:throughput/quorum via a follower}. The three nodes share one machine.',
    );
  } finally {
    await Promise.allSettled(publishers.map((p) => p.close()));
    await cluster.close();
  }
});
