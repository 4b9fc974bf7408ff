// Node failures on a real 3-node cluster (privateRabbitmqCluster): one cluster for the file (a start costs
// ~20 s here), every node running again after each test. Each test declares its queues through node 0, so
// a quorum queue's leader and a classic queue's home are on node 0 (RabbitMQ's default placement,
// client-local); the clients start on node 0 too, so its SIGKILL takes the leader and their connections.
import { eventually, privateRabbitmqCluster, type RabbitmqCluster } from '@poc/harness';
import amqp from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  PublishNotConfirmedError,
  QueueUnavailableError,
  failoverConsumer,
  failoverPublisher,
  isQuorumQueuesError,
  type QueueType,
} from '../src/index.ts';
import { naivePublisher } from '../src/naive.ts';
import {
  drained,
  loggingConsumer,
  repeats,
  sortedIds,
  stream,
  type Handled,
  type Job,
  takeAll,
  until,
} from './helpers.ts';

let cluster: RabbitmqCluster;
let urls: string[];
let queues = 0;
const newQueue = (base: string): string => `${base}_${++queues}`;

beforeAll(async () => {
  cluster = await privateRabbitmqCluster({ nodes: 3 });
  urls = [...cluster.urls];
});
afterAll(() => cluster?.close());
afterEach(async () => {
  for (const node of cluster.nodes) if (!node.running) await node.start(); // it rejoins with its data
});

/** Declares `queue` through node 0 (so it lives, or leads, there) with `count` confirmed messages in it. */
async function seeded(queue: string, type: QueueType, count: number): Promise<string[]> {
  const c = await amqp.connect(urls[0]!);
  try {
    const ch = await c.createChannel();
    await ch.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': type } });
  } finally {
    await c.close();
  }
  const p = failoverPublisher<Job>({ urls: [urls[0]!], queue, type });
  try {
    const done = await Promise.all(
      Array.from({ length: count }, (_, n) => p.publish({ n }, { messageId: `seed-${n}` })),
    );
    return done.map((r) => r.messageId);
  } finally {
    await p.close();
  }
}

describe('a quorum queue on a 3-node cluster', () => {
  it(
    'keeps every confirmed message when the node with its leader and both clients is SIGKILLed; the consumer fails over and drops the redelivered copy',
    { timeout: 120_000 },
    async () => {
      const queue = newQueue('one_down');
      await seeded(queue, 'quorum', 0);
      const publisher = failoverPublisher<Job>({ urls, queue, timeoutMs: 60_000 });
      const log: Handled[] = [];
      let gated: string | undefined;
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const consumer = await loggingConsumer(
        {
          urls,
          queue,
          prefetch: 10,
          // The 20th message blocks its handler until the test says: the node dies while it is unacked.
          before: async (_job, d) => {
            if (log.length === 19 && gated === undefined) {
              gated = d.messageId;
              await gate;
            }
          },
        },
        log,
      );
      onTestFinished(() => release()); // after the consumer's stop() was registered: runs first, never a hung stop
      expect(consumer.node).toBe(new URL(urls[0]!).host);
      const sent = stream(publisher, 'm', 600, 20);

      const state = () => ({ gated, publisher: publisher.stats, consumer: consumer.stats, on: consumer.state });
      await until(() => gated !== undefined && publisher.stats.published >= 150, state, {
        timeoutMs: 30_000,
        what: 'the gated message in its handler and 150 messages confirmed',
      });
      await cluster.nodes[0]!.kill();

      // The consumer moves to another node; the broker gives back what node 0's subscription held unacked.
      await until(() => consumer.stats.failovers === 1 && consumer.state === 'consuming', state, {
        timeoutMs: 60_000,
        what: 'the consumer subscribed through another node',
      });
      expect(consumer.node).not.toBe(new URL(urls[0]!).host);
      // The first run of the gated message ends now. Its ack cannot reach the dead node, so the broker hands
      // the message out again: that copy is certain, and finds the message handled.
      release();
      await sent.finished;
      expect(sent.failed).toEqual([]); // every publish() resolved: confirmed, through node 0 or after the failover
      expect(publisher.stats.failovers).toBe(1);
      expect(publisher.node).not.toBe(new URL(urls[0]!).host);

      const confirmed = new Set(sent.ok);
      expect(confirmed.size).toBe(600);
      await eventually(() => [...confirmed].every((id) => log.some((h) => h.messageId === id)), {
        timeoutMs: 60_000,
        what: 'every confirmed message handled',
      });
      await drained(consumer, urls[1]!, 'the queue drained');
      const handledIds = log.map((h) => h.messageId);
      expect(repeats(handledIds)).toEqual({}); // each message ran the handler once
      expect(sortedIds(handledIds)).toEqual(sortedIds(confirmed)); // none lost, none that was not confirmed
      // At-least-once underneath: the gated message came back after it had been handled, and was dropped.
      await until(() => consumer.stats.duplicates >= 1, state, { timeoutMs: 30_000, what: 'the gated copy dropped' });
      expect(log.find((h) => h.messageId === gated)?.redelivered).toBe(false);
      await publisher.close();
    },
  );

  it(
    'stops confirming with two of three nodes down (no quorum): publish() rejects after its budget; one node back, publishing resumes',
    { timeout: 120_000 },
    async () => {
      const queue = newQueue('no_quorum');
      const before = await seeded(queue, 'quorum', 50);
      const publisher = failoverPublisher<Job>({ urls, queue, timeoutMs: 2_000, retryDelayMs: 100 });
      await publisher.publish({ n: 50 }, { messageId: 'before-kill' });
      expect(publisher.node).toBe(new URL(urls[0]!).host);

      await cluster.nodes[1]!.kill();
      await cluster.nodes[2]!.kill();
      const err = await publisher.publish({ n: 51 }, { messageId: 'no-quorum' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PublishNotConfirmedError);
      expect(isQuorumQueuesError(err, 'not-confirmed')).toBe(true);
      // The leader (node 0) is alive: it takes the message into its log but cannot commit it without a
      // majority, so no answer ever comes. The publisher stops waiting when its budget is spent.
      expect(err).toMatchObject({ reason: 'timeout', messageId: 'no-quorum', attempts: 1 });
      expect((err as Error).message).toBe(
        `publishing message no-quorum to queue "${queue}" was not confirmed within 2000 ms after 1 try: no broker answered in time (it may or may not have been stored)`,
      );

      await cluster.nodes[1]!.start(); // two of three: a quorum again
      const resumed = failoverPublisher<Job>({ urls, queue, timeoutMs: 60_000 });
      const after = await resumed.publish({ n: 52 }, { messageId: 'after-return' });
      expect(after.attempts).toBeGreaterThanOrEqual(1);

      const log: Handled[] = [];
      const consumer = await loggingConsumer({ urls, queue }, log);
      const confirmed = [...before, 'before-kill', 'after-return'];
      await eventually(() => confirmed.every((id) => log.some((h) => h.messageId === id)), {
        timeoutMs: 30_000,
        what: 'every confirmed message handled',
      });
      await drained(consumer, urls[0]!, 'the queue drained');
      // The refused message may or may not have been stored (a nack promises nothing); all the others are there once.
      expect(sortedIds(log.map((h) => h.messageId).filter((id) => id !== 'no-quorum'))).toEqual(sortedIds(confirmed));
      await publisher.close();
      await resumed.close();
    },
  );

  it(
    'break it: without confirms, a node killed mid-stream loses messages the publisher counted as sent; with confirms, none',
    { timeout: 120_000 },
    async () => {
      const naiveQueue = newQueue('naive');
      const confirmedQueue = newQueue('confirmed');
      await seeded(naiveQueue, 'quorum', 0);
      await seeded(confirmedQueue, 'quorum', 0);
      const naive = naivePublisher<Job>({ urls, queue: naiveQueue });
      const pattern = failoverPublisher<Job>({ urls, queue: confirmedQueue, timeoutMs: 60_000 });
      const sentNaive = stream(naive, 'n', Infinity, 20);
      const sentPattern = stream(pattern, 'c', Infinity, 20);
      // The same load on both sides when node 0 dies: both publishing flat out through it.
      await eventually(() => sentNaive.ok.length >= 2_000 && sentPattern.ok.length >= 300, {
        timeoutMs: 60_000,
        what: 'both publishers well under way',
      });
      await cluster.nodes[0]!.kill();
      const atKill = { naive: sentNaive.ok.length, pattern: sentPattern.ok.length };
      const state = () => ({
        atKill,
        naive: naive.stats,
        pattern: pattern.stats,
        failed: sentPattern.failed.map(String),
      });
      await until(() => naive.stats.failovers >= 1 && pattern.stats.failovers >= 1, state, {
        timeoutMs: 30_000,
        what: 'both publishers on another node',
      });
      await until(
        () => sentNaive.ok.length >= atKill.naive + 500 && sentPattern.ok.length >= atKill.pattern + 100,
        state,
        {
          timeoutMs: 60_000,
          what: 'both publishing again after the failover',
        },
      );
      sentNaive.stop();
      sentPattern.stop();
      await Promise.all([sentNaive.finished, sentPattern.finished]);
      expect(sentPattern.failed).toEqual([]);

      await naive.close();
      await pattern.close();
      const naiveStored = new Set(await takeAll(urls[1]!, naiveQueue));
      const patternStored = new Set(await takeAll(urls[1]!, confirmedQueue));
      const lostNaive = sentNaive.ok.filter((id) => !naiveStored.has(id));
      const lostPattern = sentPattern.ok.filter((id) => !patternStored.has(id));
      expect(lostPattern).toEqual([]);
      expect(lostNaive.length).toBeGreaterThan(0); // sent, resolved, and gone
    },
  );
});

describe('a classic queue on the same cluster', () => {
  it(
    'is unavailable while its home node is down (a publish meanwhile goes nowhere, confirmed unless mandatory); its messages come back with the node',
    { timeout: 120_000 },
    async () => {
      const queue = newQueue('classic');
      const before = await seeded(queue, 'classic', 50);
      // A publisher that was already on node 1 when node 0 died (it keeps its channel), and a plain
      // confirm channel there too, publishing without the mandatory flag.
      const onNode1 = failoverPublisher<Job>({ urls: [urls[1]!], queue, type: 'classic', timeoutMs: 5_000 });
      await onNode1.publish({ n: 50 }, { messageId: 'before-kill' });
      const plain = await amqp.connect(urls[1]!);
      plain.on('error', () => {});
      onTestFinished(() => plain.close().catch(() => {}));
      const plainChannel = await plain.createConfirmChannel();

      await cluster.nodes[0]!.kill();

      // Subscribing through the nodes that are up fails: the queue's only copy is on node 0.
      const err = await failoverConsumer<Job>({
        urls: [urls[1]!, urls[2]!],
        queue,
        type: 'classic',
        handler: () => {},
        giveUpAfterMs: 1_000,
        retryDelayMs: 100,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QueueUnavailableError);
      expect(isQuorumQueuesError(err, 'unavailable')).toBe(true);
      const failures = (err as QueueUnavailableError).failures;
      expect(failures.map((f) => f.node)).toEqual([new URL(urls[1]!).host, new URL(urls[2]!).host]);
      for (const f of failures)
        expect(f.error).toContain(
          `NOT_FOUND - home node '${cluster.nodes[0]!.nodeName}' of durable queue '${queue}' in vhost '/' is down or inaccessible`,
        );
      // So does a new publisher: it cannot declare the queue anywhere.
      const fresh = failoverPublisher<Job>({ urls: [urls[1]!, urls[2]!], queue, type: 'classic', timeoutMs: 1_000 });
      await expect(fresh.publish({ n: 0 })).rejects.toMatchObject({ code: 'not-confirmed', reason: 'unavailable' });
      await fresh.close();
      // The publisher that kept its channel: the broker routes to no live queue, returns the message
      // (mandatory), then confirms it. The library reports it unroutable instead of published.
      await expect(onNode1.publish({ n: 51 }, { messageId: 'during-outage' })).rejects.toMatchObject({
        code: 'not-confirmed',
        reason: 'unroutable',
        messageId: 'during-outage',
      });
      await onNode1.close();
      // Without the mandatory flag, the confirm is all a publisher hears: for a message that went nowhere.
      plainChannel.sendToQueue(queue, Buffer.from('{"n":52}'), { persistent: true, messageId: 'confirmed-dropped' });
      await plainChannel.waitForConfirms();

      await cluster.nodes[0]!.start();
      const log: Handled[] = [];
      const consumer = await loggingConsumer({ urls, queue, type: 'classic' }, log);
      await eventually(() => log.length >= 51, { timeoutMs: 30_000, what: 'the 51 messages stored before the kill' });
      await drained(consumer, urls[0]!, 'the queue drained');
      expect(sortedIds(log.map((h) => h.messageId))).toEqual(sortedIds([...before, 'before-kill']));
      const handled = log.map((h) => h.messageId);
      expect(handled).not.toContain('during-outage'); // reported unroutable: it was never there
      expect(handled).not.toContain('confirmed-dropped'); // confirmed, and lost
    },
  );
});
