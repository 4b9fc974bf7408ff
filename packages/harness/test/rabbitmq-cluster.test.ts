// privateRabbitmqCluster({ nodes: 3 }): three RabbitMQ nodes on loopback in one cluster. A quorum queue
// declared through one node keeps every confirmed message when that node is SIGKILLed, and the node
// rejoins when started again. The quorum-queue POC builds on exactly this.
import amqp from 'amqplib';
import { describe, expect, it, onTestFinished } from 'vitest';
import { HarnessArgumentError } from '../src/errors.ts';
import { privateRabbitmqCluster } from '../src/services/index.ts';
import { eventually } from '../src/testing/index.ts';

const connect = async (url: string) => {
  const c = await amqp.connect(url);
  c.on('error', () => {}); // the node it talks to is killed on purpose
  onTestFinished(() => c.close().catch(() => {}));
  return c;
};

describe('privateRabbitmqCluster({ nodes })', () => {
  it.each([0, 8, 1.5, Number.NaN])('refuses nodes = %s', async (nodes) => {
    await expect(privateRabbitmqCluster({ nodes })).rejects.toThrow(HarnessArgumentError);
    await expect(privateRabbitmqCluster({ nodes })).rejects.toThrow(/^nodes must be an integer from 1 to 7 \(got /);
  });

  it('forms one cluster; a quorum queue survives a SIGKILLed node, which rejoins', { timeout: 240_000 }, async () => {
    const cluster = await privateRabbitmqCluster({ nodes: 3 });
    onTestFinished(() => cluster.close());
    expect(new Set(cluster.nodes.map((n) => n.nodeName)).size).toBe(3);
    for (const url of cluster.urls) expect(new URL(url).hostname).toBe('127.0.0.1');

    const first = await connect(cluster.urls[0]!);
    const ch = await first.createConfirmChannel();
    ch.on('error', () => {});
    await ch.assertQueue('orders', { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    for (let i = 0; i < 100; i++) ch.sendToQueue('orders', Buffer.from(String(i)), { persistent: true });
    await ch.waitForConfirms();
    // The queue is visible, with its messages, through every other node: they are one cluster. A node
    // other than the leader reports the count from metrics the leader spreads a moment later, so under
    // load its first answer can still be 0: ask until it agrees (eventually() fails if it never does).
    for (const url of cluster.urls.slice(1)) {
      const other = await connect(url);
      const channel = await other.createChannel();
      await eventually(async () => (await channel.checkQueue('orders')).messageCount === 100, {
        timeoutMs: 30_000,
        what: `the quorum queue showing 100 messages through ${url}`,
      });
    }

    await cluster.nodes[0]!.kill();
    const second = await connect(cluster.urls[1]!);
    const consumer = await second.createChannel();
    const seen: number[] = [];
    // Right after the kill the queue may be electing a new leader: wait until it answers again.
    await eventually(async () => (await consumer.checkQueue('orders')).messageCount === 100, {
      timeoutMs: 60_000,
      what: 'the quorum queue answering with 100 messages after the kill',
    });
    await consumer.consume('orders', (m) => {
      if (!m) return;
      seen.push(Number(m.content.toString()));
      consumer.ack(m);
    });
    await eventually(() => seen.length >= 100, { timeoutMs: 30_000, what: '100 messages consumed' });
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));

    await cluster.nodes[0]!.start();
    const back = await connect(cluster.urls[0]!);
    const again = await back.createChannel();
    await eventually(async () => (await again.checkQueue('orders')).messageCount === 0, {
      timeoutMs: 30_000,
      what: 'the rejoined node showing the queue drained',
    });
  });
});
