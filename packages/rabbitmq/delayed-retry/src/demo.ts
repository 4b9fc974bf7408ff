// pnpm --filter poc-rabbitmq-delayed-retry demo: retry with back-off on a real RabbitMQ, no plugin — TTL'd
// wait queues per level, bounded attempts and a parking queue, the head-of-line trap of per-message TTL,
// and what immediate requeue does to a failing handler.
import { amqpNamespace, eventually, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import type { ChannelModel } from 'amqplib';
import { ATTEMPT_HEADER, ERROR_HEADER, assertRetryQueues, delayedRetryConsumer, publishWork } from './index.ts';
import { immediateRequeueConsumer, singleWaitQueue } from './naive.ts';

const say = (line = ''): void => console.log(line);

async function drainNames(conn: ChannelModel, queue: string): Promise<string[]> {
  const ch = await conn.createChannel();
  const names: string[] = [];
  for (let m = await ch.get(queue, { noAck: true }); m; m = await ch.get(queue, { noAck: true }))
    names.push((JSON.parse(m.content.toString()) as { name: string }).name);
  await ch.close();
  return names;
}

runMain(async () => {
  const server = await serverFor('rabbitmq');
  const ns = await amqpNamespace({ name: 'demo' });
  const extra: string[] = [];
  const conn = await ns.connect();
  try {
    say(`RabbitMQ delayed retry demo (RabbitMQ ${server.version}, ${server.provider})`);

    say('\n1. A handler that always fails: back-off 100, 200, 400 ms (one wait queue each), at most 4 attempts');
    const queue = ns.name('orders');
    const delays = [100, 200, 400];
    extra.push(...delays.map((d) => `${queue}.wait.${d}`), `${queue}.parking`);
    let first = 0;
    const c = await delayedRetryConsumer<{ id: number }>(conn, {
      queue,
      delaysMs: delays,
      maxAttempts: 4,
      handler: (_p, d) => {
        const now = performance.now();
        first ||= now;
        const trips = d.deaths.map((x) => `${x.queue.slice(queue.length + 1)} x${x.count}`).join(', ');
        say(
          `   attempt ${d.attempt} at +${String(Math.round(now - first)).padStart(3)} ms${trips ? `  (x-death: ${trips})` : ''}`,
        );
        throw new Error('payment service down');
      },
    });
    await publishWork(conn, queue, { id: 1 }, 'order-1');
    await eventually(() => c.stats.parked === 1);
    const ch = await conn.createChannel();
    const parked = await ch.get(c.queues.parking, { noAck: true });
    await ch.close();
    if (parked)
      say(
        `   parked in ${c.queues.parking.slice(queue.length + 1)}: ${ATTEMPT_HEADER}=${String(parked.properties.headers?.[ATTEMPT_HEADER])}, last error "${String(parked.properties.headers?.[ERROR_HEADER])}"`,
      );
    await c.stop();

    say('\n2. Per-message TTL in ONE wait queue: "long" (400 ms) published before "short" (50 ms)');
    const target = ns.name('target');
    const single = await singleWaitQueue(conn, ns.name('wait'), target);
    await single.delay({ name: 'long' }, 400);
    await single.delay({ name: 'short' }, 50);
    await eventually(async () => {
      const q = await conn.createChannel();
      const n = (await q.checkQueue(target)).messageCount;
      await q.close();
      return n === 2;
    });
    say(
      `   back in the work queue in this order: ${(await drainNames(conn, target)).join(', ')} (short waited behind long)`,
    );
    await single.close();
    const work = ns.name('levels');
    extra.push(`${work}.wait.50`, `${work}.wait.400`, `${work}.parking`);
    const q = await assertRetryQueues(conn, work, [50, 400]);
    const pub = await conn.createConfirmChannel();
    pub.sendToQueue(q.wait[1]!, Buffer.from(JSON.stringify({ name: 'long' })));
    pub.sendToQueue(q.wait[0]!, Buffer.from(JSON.stringify({ name: 'short' })));
    await pub.waitForConfirms();
    await pub.close();
    await eventually(async () => {
      const x = await conn.createChannel();
      const n = (await x.checkQueue(work)).messageCount;
      await x.close();
      return n === 2;
    });
    say(`   a wait queue per level instead: ${(await drainNames(conn, work)).join(', ')}`);

    say('\n3. Immediate requeue (nack requeue=true) vs back-off, same failing handler, same window');
    const naiveQueue = ns.name('naive');
    const patternQueue = ns.name('pattern');
    extra.push(...delays.map((d) => `${patternQueue}.wait.${d}`), `${patternQueue}.parking`);
    const calls = { naive: 0, pattern: 0 };
    const failing = (k: keyof typeof calls) => () => {
      calls[k]++;
      throw new Error('down');
    };
    const naive = await immediateRequeueConsumer(conn, {
      queue: naiveQueue,
      delaysMs: delays,
      handler: failing('naive'),
    });
    const pattern = await delayedRetryConsumer(conn, {
      queue: patternQueue,
      delaysMs: delays,
      maxAttempts: 4,
      handler: failing('pattern'),
    });
    await publishWork(conn, naiveQueue, { id: 2 });
    await publishWork(conn, patternQueue, { id: 2 });
    await eventually(() => pattern.stats.parked === 1);
    await naive.stop();
    await pattern.stop();
    say(
      `   until back-off parked the message: back-off called the handler ${calls.pattern} times; immediate requeue ${calls.naive > 100 ? 'hundreds of' : String(calls.naive)} times`,
    );
    say('\ndone');
  } finally {
    const ch = await conn.createChannel().catch(() => undefined);
    for (const name of extra) await ch?.deleteQueue(name).catch(() => {});
    await ns.close();
  }
});
