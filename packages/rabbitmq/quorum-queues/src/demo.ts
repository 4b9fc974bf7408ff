// pnpm --filter poc-rabbitmq-quorum-queues demo: a private 3-node RabbitMQ cluster on loopback; a quorum
// queue loses the node holding its leader (SIGKILL) mid-stream, then two of its three nodes; a classic
// queue loses its home node. Printed: what was confirmed, what was consumed, and what each client said.
import { privateRabbitmqCluster, type RabbitmqCluster } from '@poc/harness';
import { runMain } from '@poc/kit';
import amqp from 'amqplib';
import { failoverConsumer, failoverPublisher, type ClusterPublisher, type QueueType } from './index.ts';
import { naivePublisher } from './naive.ts';

interface Order {
  n: number;
}

const say = (line = ''): void => console.log(line);

/** Resolves once `ready()` holds, checking every 50 ms; rejects after `ms`. */
async function until(ready: () => boolean | Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Declares `queue` through the first node: a classic queue lives there, a quorum queue's leader starts there. */
async function declare(url: string, queue: string, type: QueueType): Promise<void> {
  const c = await amqp.connect(url);
  await (await c.createChannel()).assertQueue(queue, { durable: true, arguments: { 'x-queue-type': type } });
  await c.close();
}

/** The queue's ready count through `url`, once two reads half a second apart agree. */
async function settledCount(url: string, queue: string): Promise<number> {
  const c = await amqp.connect(url);
  try {
    const ch = await c.createChannel();
    let last = -1;
    for (;;) {
      const { messageCount } = await ch.checkQueue(queue);
      if (messageCount === last) return messageCount;
      last = messageCount;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    await c.close();
  }
}

/** Publishes until stop() with `lanes` publishes in flight; `ok` holds the ids whose publish() resolved. */
function publishing(publisher: ClusterPublisher<Order>, prefix: string, lanes: number) {
  const ok: string[] = [];
  let failed = 0;
  let stopped = false;
  let n = 0;
  const lane = async (): Promise<void> => {
    while (!stopped) {
      const id = `${prefix}-${n++}`;
      if (n % 20 === 0) await new Promise((resolve) => setImmediate(resolve)); // let I/O run
      await publisher.publish({ n }, { messageId: id }).then(
        () => void ok.push(id),
        () => void failed++,
      );
    }
  };
  const done = Promise.all(Array.from({ length: lanes }, lane));
  return {
    ok,
    failed: () => failed,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

const node = (cluster: RabbitmqCluster, host: string | undefined): string =>
  `node ${cluster.urls.findIndex((u) => new URL(u).host === host) + 1}`;

runMain(async () => {
  const t0 = performance.now();
  const cluster = await privateRabbitmqCluster({ nodes: 3 });
  const urls = cluster.urls;
  try {
    say(
      `Quorum queues demo: RabbitMQ ${cluster.nodes[0]!.version}, 3 nodes on loopback, cluster started in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    say('\n1. A quorum queue loses the node holding its leader, mid-stream (SIGKILL of node 1)');
    await declare(urls[0]!, 'orders', 'quorum');
    await declare(urls[0]!, 'orders_unconfirmed', 'quorum');
    const handled = new Map<string, number>();
    const consumer = await failoverConsumer<Order>({
      urls,
      queue: 'orders',
      prefetch: 20,
      handler: (_order, d) => void handled.set(d.messageId!, (handled.get(d.messageId!) ?? 0) + 1),
    });
    const confirmed = failoverPublisher<Order>({ urls, queue: 'orders' });
    const unconfirmed = naivePublisher<Order>({ urls, queue: 'orders_unconfirmed' });
    say(`   publisher with confirms, publisher without, and consumer all on ${node(cluster, consumer.node)}`);
    const withConfirms = publishing(confirmed, 'c', 20);
    const without = publishing(unconfirmed, 'u', 20);
    await until(() => withConfirms.ok.length >= 500, '500 confirmed');
    await cluster.nodes[0]!.kill();
    const atKill = withConfirms.ok.length;
    say(`   node 1 killed after ${atKill} confirmed messages`);
    await until(() => withConfirms.ok.length >= atKill + 500, '500 more confirmed after the kill');
    await Promise.all([withConfirms.stop(), without.stop()]);
    say(
      `   with confirms: ${withConfirms.ok.length} confirmed, ${withConfirms.failed()} failed; ${confirmed.stats.failovers} failover (now on ${node(cluster, confirmed.node)}), ${confirmed.stats.resent} messages sent again`,
    );
    await until(() => withConfirms.ok.every((id) => handled.has(id)), 'every confirmed message handled');
    const twice = [...handled.values()].filter((c) => c > 1).length;
    const { failovers, duplicates, redelivered } = consumer.stats;
    say(
      `   consumer: ${failovers} failover (now on ${node(cluster, consumer.node)}); all ${withConfirms.ok.length} confirmed messages handled, ${twice} of them twice; duplicate deliveries dropped: ${duplicates}; flagged redelivered: ${redelivered}`,
    );
    await consumer.stop();
    await confirmed.close();
    await unconfirmed.close();
    const stored = await settledCount(urls[1]!, 'orders_unconfirmed');
    say(
      `   without confirms: ${unconfirmed.stats.published} "sent", ${stored} in the queue: ${unconfirmed.stats.published - stored} lost without a word`,
    );
    await cluster.nodes[0]!.start();
    say('   node 1 started again: it rejoins with its data');

    say('\n2. Two of three nodes down: no quorum');
    await declare(urls[0]!, 'payments', 'quorum');
    const payments = failoverPublisher<Order>({ urls: [urls[0]!], queue: 'payments', timeoutMs: 2_000 });
    await payments.publish({ n: 1 }, { messageId: 'p-1' });
    say(`   p-1 confirmed through ${node(cluster, payments.node)}`);
    await cluster.nodes[1]!.kill();
    await cluster.nodes[2]!.kill();
    say('   nodes 2 and 3 killed');
    await payments.publish({ n: 2 }, { messageId: 'p-2' }).catch((e: unknown) => say(`   ${String(e)}`));
    await cluster.nodes[1]!.start();
    const resumed = failoverPublisher<Order>({ urls: [urls[0]!], queue: 'payments', timeoutMs: 30_000 });
    const back = await resumed.publish({ n: 3 }, { messageId: 'p-3' });
    say(`   node 2 started again: p-3 confirmed after ${back.attempts} ${back.attempts === 1 ? 'try' : 'tries'}`);
    const seen: string[] = [];
    const payer = await failoverConsumer<Order>({
      urls,
      queue: 'payments',
      handler: (_o, d) => void seen.push(d.messageId!),
    });
    await until(() => seen.includes('p-1') && seen.includes('p-3'), 'p-1 and p-3 consumed');
    await until(async () => (await settledCount(urls[0]!, 'payments')) === 0, 'the payments queue drained');
    say(
      `   consumed: ${seen.sort().join(', ')}; p-2 was never confirmed, and ${seen.includes('p-2') ? 'is there anyway: the leader had it in its log and committed it once a majority was back' : 'is not there'}`,
    );
    await payer.stop();
    await Promise.all([payments.close(), resumed.close()]);
    await cluster.nodes[2]!.start();

    say('\n3. A classic queue loses its home node (SIGKILL of node 1)');
    await declare(urls[0]!, 'audit', 'classic');
    const audit = failoverPublisher<Order>({ urls: [urls[0]!], queue: 'audit', type: 'classic' });
    await Promise.all(Array.from({ length: 50 }, (_, n) => audit.publish({ n })));
    await audit.close();
    say('   50 messages confirmed');
    await cluster.nodes[0]!.kill();
    await failoverConsumer<Order>({
      urls: [urls[1]!, urls[2]!],
      queue: 'audit',
      type: 'classic',
      handler: () => {},
      giveUpAfterMs: 1_000,
    }).catch((e: unknown) => say(`   consuming through nodes 2 and 3: ${String(e)}`));
    await cluster.nodes[0]!.start();
    let count = 0;
    const auditor = await failoverConsumer<Order>({
      urls,
      queue: 'audit',
      type: 'classic',
      handler: () => void count++,
    });
    await until(() => count === 50, 'the 50 audit messages consumed');
    say(`   node 1 started again: ${count} messages consumed`);
    await auditor.stop();
    say('\ndone');
  } finally {
    await cluster.close();
  }
});
