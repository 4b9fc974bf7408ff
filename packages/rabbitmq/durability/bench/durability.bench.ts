// pnpm --filter poc-rabbitmq-durability bench
// 1. The cost of durability (the shared broker): PUBLISHES messages of SIZE bytes per sample, each variant
//    on its own connection and queue (purged before every sample, untimed), timed from the first publish
//    until the broker holds every message — the last confirm for the confirmed variants; for the
//    unconfirmed ones, the first time the queue's own count (queue.declare passive, polled on another
//    channel) reaches PUBLISHES.
// 2. Lazy vs default classic queue under a backlog (a one-node private cluster, so the node's memory is
//    its own and readable from /proc): BACKLOG persistent, confirmed messages of BACKLOG_SIZE bytes per
//    sample, timed to the last confirm; then, untimed, the node's resident memory growth while a bigger
//    backlog (MEMORY_MESSAGES) is published, lazy first, and the connection.blocked notifications seen.
// Rounds interleaved and rotated by the harness (compareRounds); one untimed warm-up sample per variant.
import {
  amqpNamespace,
  benchProfile,
  benchReport,
  compareRounds,
  privateRabbitmqCluster,
  serverFor,
} from '@poc/harness';
import type { RoundSample } from '@poc/harness';
import { runMain } from '@poc/kit';
import amqp, { type ChannelModel } from 'amqplib';
import { brokerProcess } from '../src/broker-process.ts';
import { DURABLE, TRANSIENT, openQueue, type Durability, type OutgoingMessage, type QueueMode } from '../src/index.ts';

const SHORT = benchProfile() === 'short';
const PUBLISHES = SHORT ? 500 : 3_000;
const SIZE = 1_024;
const WINDOW = 100;
const BACKLOG = SHORT ? 300 : 2_000;
const BACKLOG_SIZE = 16_384;
const MEMORY_MESSAGES = SHORT ? 500 : 8_000;
const ROUNDS = 6; // the harness's interval reaches 95% from 6 rounds

const messages = (prefix: string, count: number, size: number): OutgoingMessage[] => {
  const body = Buffer.alloc(size, 7);
  return Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}`, body }));
};
const storage = (url: string, what: string): string => {
  const p = brokerProcess(url);
  return p ? `${what}: ${p.dataDir} on ${p.filesystem}` : `${what}: not inspected (not a local process)`;
};

runMain(async () => {
  const shared = await serverFor('rabbitmq');
  const ns = await amqpNamespace({ name: 'durbench' });
  const cluster = await privateRabbitmqCluster({ nodes: 1 });
  const own = cluster.nodes[0]!;
  const connections: ChannelModel[] = [];
  let blocked = 0;
  const watch = (c: ChannelModel): ChannelModel => {
    c.on('error', () => {});
    c.on('blocked', () => blocked++);
    connections.push(c);
    return c;
  };
  try {
    const report = benchReport({
      parameters: {
        publishes: `${PUBLISHES} per sample, ${SIZE} bytes each`,
        publishTimed:
          'first publish -> the broker holds all of them: last confirm (confirmed variants), or the queue count reaching it (unconfirmed variants, polled with queue.declare passive on another channel)',
        window: `${WINDOW} messages waiting for a confirm at most (confirmed variants)`,
        backlog: `${BACKLOG} per sample, ${BACKLOG_SIZE} bytes each, persistent, confirmed (window 200), durable classic queue`,
        memory: `node RSS growth while ${MEMORY_MESSAGES} x ${BACKLOG_SIZE} bytes (${((MEMORY_MESSAGES * BACKLOG_SIZE) / 2 ** 20).toFixed(1)} MiB) are published, confirmed, in all and over the second half; lazy first, then default; untimed, one pass`,
        watermark:
          'vm_memory_high_watermark left at its default (0.4 of RAM): the harness has no way to lower it, so no backlog here reaches it',
        durability: `RabbitMQ 3.10 defaults (classic queues v1; a persistent message on a durable queue is confirmed once written to the node's message store); ${storage(shared.url, 'shared node data')}; ${storage(own.url, 'private node data')}`,
        connections: '1 per variant, opened before timing',
        rounds: ROUNDS,
        warmup: '1 untimed sample per variant',
      },
      services: ['rabbitmq'],
    });

    // --- 1. the cost of durability, on the shared broker ------------------------------------------------
    const admin = await watch(await ns.connect()).createChannel();
    const depth = async (queue: string): Promise<number> => (await admin.checkQueue(queue)).messageCount;
    const variant = async (id: string, durability: Durability) => {
      const conn = watch(await ns.connect());
      const q = await openQueue(conn, { name: ns.name(id), durability, window: WINDOW });
      let sample = 0;
      return async (): Promise<RoundSample> => {
        await admin.purgeQueue(q.name);
        const batch = messages(`${sample++}`, PUBLISHES, SIZE);
        const t0 = performance.now();
        const outcome = await q.publish(batch);
        const deadline = t0 + 60_000;
        while (!outcome.confirmed && (await depth(q.name)) < PUBLISHES)
          // the broker's own count
          if (performance.now() > deadline)
            throw new Error(`${q.name}: ${await depth(q.name)} of ${PUBLISHES} after 60 s`);
        const seconds = (performance.now() - t0) / 1_000;
        return { ops: PUBLISHES, seconds, errors: PUBLISHES - (await depth(q.name)) };
      };
    };
    const durabilityVariants = {
      'durable queue, persistent, confirmed': await variant('durable', DURABLE),
      'durable queue, persistent, no confirms': await variant('durable_nc', { ...DURABLE, confirms: false }),
      'durable queue, transient messages, confirmed': await variant('tm', { ...DURABLE, persistentMessages: false }),
      'transient queue and messages, confirmed': await variant('transient_c', { ...TRANSIENT, confirms: true }),
      'transient queue and messages, no confirms': await variant('transient', TRANSIENT),
    };
    for (const run of Object.values(durabilityVariants)) await run(); // warm-up, untimed
    report.add(
      await compareRounds({
        id: 'durability',
        title: `Publish ${PUBLISHES} messages of ${SIZE} bytes until the broker holds all of them: msg/s`,
        variants: durabilityVariants,
        rounds: ROUNDS,
        unit: 'msg/s',
      }),
    );

    // --- 2. lazy vs default under a backlog, on a node of its own --------------------------------------------
    const node = brokerProcess(own.url);
    if (!node) throw new Error(`the private node on ${own.url} is not a local process: its memory cannot be read`);
    const ownConn = watch(await amqp.connect(own.url));
    const ownAdmin = await ownConn.createChannel();
    const backlogVariant = async (mode: QueueMode) => {
      const q = await openQueue(watch(await amqp.connect(own.url)), { name: `backlog_${mode}`, mode, window: 200 });
      let sample = 0;
      return async (): Promise<RoundSample> => {
        await ownAdmin.purgeQueue(q.name);
        const batch = messages(`${sample++}`, BACKLOG, BACKLOG_SIZE);
        const t0 = performance.now();
        const outcome = await q.publish(batch);
        return { ops: BACKLOG, seconds: (performance.now() - t0) / 1_000, errors: BACKLOG - outcome.ids.length };
      };
    };
    const backlogVariants = { default: await backlogVariant('default'), lazy: await backlogVariant('lazy') };
    for (const run of Object.values(backlogVariants)) await run(); // warm-up, untimed
    report.add(
      await compareRounds({
        id: 'backlog',
        title: `Publish a backlog of ${BACKLOG} persistent ${BACKLOG_SIZE}-byte messages, confirmed: msg/s`,
        variants: backlogVariants,
        rounds: ROUNDS,
        unit: 'msg/s',
      }),
    );
    for (const mode of ['lazy', 'default'] as QueueMode[]) {
      const q = await openQueue(ownConn, { name: `memory_${mode}`, mode, window: 200 });
      const before = node.rssMiB();
      let half = before;
      for (let i = 0; i < MEMORY_MESSAGES; i += 500) {
        await q.publish(messages(`${mode}-${i}`, Math.min(500, MEMORY_MESSAGES - i), BACKLOG_SIZE));
        if (i + 500 === MEMORY_MESSAGES / 2) half = node.rssMiB();
      }
      const end = node.rssMiB();
      const what = `${MEMORY_MESSAGES} x ${BACKLOG_SIZE} bytes in a ${mode} queue`;
      report.add({
        id: `rss-${mode}`,
        title: `Node memory growth, ${what}`,
        value: Math.round(end - before),
        unit: 'MiB',
      });
      report.add({
        id: `rss-${mode}-second-half`,
        title: `Node memory growth over the second half of it, ${what}`,
        value: Math.round(end - half),
        unit: 'MiB',
      });
    }
    report.add({
      id: 'blocked',
      title: 'connection.blocked notifications during the bench',
      value: blocked,
      unit: 'times',
    });

    await report.finish(
      "This POC's own claim (the roadmap gives none for #64), the cost of durability, publish rate until the broker holds every message, " +
        'each ÷ a durable queue with persistent, confirmed messages ({ops:durability/durable queue, persistent, confirmed} msg/s): ' +
        'transient queue and messages, confirmed {ratio:durability/transient queue and messages, confirmed}; ' +
        'the same without confirms {ratio:durability/transient queue and messages, no confirms}; ' +
        'persistent without confirms {ratio:durability/durable queue, persistent, no confirms}; ' +
        'durable queue, transient messages, confirmed {ratio:durability/durable queue, transient messages, confirmed}. ' +
        'A backlog in a lazy queue grew the node by {fact:rss-lazy} ({fact:rss-lazy-second-half} over its second half) against {fact:rss-default} ' +
        '({fact:rss-default-second-half}) in a default queue; lazy ÷ default publish rate {ratio:backlog/lazy}.',
    );
  } finally {
    await Promise.allSettled(connections.map((c) => c.close()));
    await ns.close();
    await cluster.close();
  }
});
