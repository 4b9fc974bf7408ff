// Lazy vs default classic queues under a backlog, measured on the broker's own process: a private node
// (nothing else's queues in its memory; a one-node "cluster", which the harness always runs as a local
// process, so /proc shows its memory on every provider), a lazy backlog first, then the same backlog in a
// default queue, each counted as the growth of the node's resident memory. The harness cannot lower the node's memory
// watermark (vm_memory_high_watermark, 0.4 of this machine's RAM by default), so the backlog here stays
// far below it: the test shows where each mode keeps the backlog, and counts connection.blocked
// notifications (none are expected on this machine, and none are asserted either way).
import { privateRabbitmqCluster, type RabbitmqCluster } from '@poc/harness';
import amqp, { type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { DURABLE, openQueue, queueDepth, type QueueMode } from '../src/index.ts';
import { brokerProcess, outgoing } from './helpers.ts';

let cluster: RabbitmqCluster;
beforeAll(async () => {
  cluster = await privateRabbitmqCluster({ nodes: 1 });
});
afterAll(() => cluster?.close());

const MESSAGES = 8_000;
const SIZE = 16_384;
const BACKLOG_MIB = (MESSAGES * SIZE) / 2 ** 20; // 125 MiB of bodies

describe('a backlog in a lazy and in a default classic queue (private RabbitMQ)', () => {
  it('the default queue holds its backlog in the node memory, the lazy one on disk', async () => {
    const url = cluster.urls[0]!;
    const node = brokerProcess(url)!;
    expect(node).toBeDefined();
    const conn: ChannelModel = await amqp.connect(url);
    onTestFinished(() => conn.close().catch(() => {}));
    let blocked = 0;
    conn.on('blocked', () => blocked++);

    // Growth over the second half of each backlog: the first half also pays for the node's working memory
    // (buffers, garbage not yet collected), which both modes need; from then on only what the queue keeps grows.
    const total: Record<string, number> = {};
    const secondHalf: Record<string, number> = {};
    for (const mode of ['lazy', 'default'] as QueueMode[]) {
      const q = await openQueue(conn, { name: `backlog_${mode}`, durability: DURABLE, mode, window: 200 });
      const before = node.rssMiB();
      let half = 0;
      for (let i = 0; i < MESSAGES; i += 1_000) {
        await q.publish(outgoing(`${mode}-${i}`, 1_000, SIZE)); // all confirmed
        if (i + 1_000 === MESSAGES / 2) half = node.rssMiB();
      }
      const end = node.rssMiB();
      total[mode] = end - before;
      secondHalf[mode] = end - half;
      expect(await queueDepth(conn, q.name)).toBe(MESSAGES); // every one confirmed, and in the queue
      await q.close();
    }
    console.log(
      `backlog ${BACKLOG_MIB} MiB of bodies: node memory +${total.lazy!.toFixed(0)} MiB (lazy), +${total.default!.toFixed(0)} MiB (default); ` +
        `its second half: +${secondHalf.lazy!.toFixed(0)} MiB (lazy), +${secondHalf.default!.toFixed(0)} MiB (default); ` +
        `connection.blocked ${blocked} times`,
    );

    // The default queue keeps the second half's bodies in memory; the lazy queue's memory stays flat.
    expect(secondHalf.default).toBeGreaterThan((BACKLOG_MIB / 2) * 0.75);
    expect(secondHalf.lazy).toBeLessThan(secondHalf.default! / 2);
  });
});
