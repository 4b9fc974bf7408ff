// pnpm --filter poc-rabbitmq-publisher-confirms demo: the three confirm strategies on a real RabbitMQ, a
// full queue that nacks, an unroutable message that comes back, a confirm lost on the wire, and a broker
// SIGKILLed in the middle of a stream (a private node of the demo's own).
import { amqpNamespace, faultyLink, privateRabbitmq, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import amqp, { type ConfirmChannel } from 'amqplib';
import {
  confirmPublisher,
  publishEach,
  publishInBatches,
  publishStreaming,
  type Message,
  type PublishReport,
  type Publisher,
} from './index.ts';
import { naivePublisher } from './naive.ts';

const say = (line = ''): void => console.log(line);
const durable = (queue: string, args?: Record<string, unknown>) => (ch: ConfirmChannel) =>
  ch.assertQueue(queue, { durable: true, arguments: args });
const batch = (routingKey: string, count: number, prefix: string): Message[] =>
  Array.from({ length: count }, (_, i) => ({ routingKey, messageId: `${prefix}-${i}`, body: Buffer.alloc(512, i) }));

runMain(async () => {
  const shared = await serverFor('rabbitmq');
  const ns = await amqpNamespace({ name: 'demo' }); // queue names of its own, deleted at the end
  try {
    say(`Publisher confirms demo (RabbitMQ ${shared.version}, ${shared.provider})`);
    const queueLength = async (queue: string): Promise<number> =>
      (await (await (await ns.connect()).createChannel()).checkQueue(queue)).messageCount;

    say('\n1. 1000 persistent messages of 512 bytes to a durable queue, three ways to wait for the confirms');
    type Strategy = (p: Publisher, ms: Message[]) => Promise<PublishReport>;
    const runs: Array<[string, Strategy]> = [
      ['one at a time        ', (p, ms) => publishEach(p, ms)],
      ['batches of 100       ', (p, ms) => publishInBatches(p, ms, { batchSize: 100 })],
      ['streaming, window 100', (p, ms) => publishStreaming(p, ms, { window: 100 })],
    ];
    for (const [i, [label, run]] of runs.entries()) {
      const queue = ns.name(`strategy_${i}`);
      const publisher = await confirmPublisher(() => ns.connect(), { setup: durable(queue) });
      const t0 = performance.now();
      const report = await run(publisher, batch(queue, 1000, `s${i}`));
      const ms = Math.round(performance.now() - t0);
      say(`   ${label}: ${report.confirmed.length} confirmed in ${ms} ms; ${await queueLength(queue)} in the queue`);
      await publisher.close();
    }

    say('\n2. A full queue (x-max-length 5, x-overflow reject-publish): the broker nacks the rest');
    const full = ns.name('full');
    const nacking = await confirmPublisher(() => ns.connect(), {
      setup: durable(full, { 'x-max-length': 5, 'x-overflow': 'reject-publish' }),
    });
    const fullReport = await publishStreaming(nacking, batch(full, 8, 'f'), { window: 8 });
    say(`   confirmed ${fullReport.confirmed.join(' ')}; nacked ${fullReport.nacked.join(' ')}`);
    await nacking.close();

    say('\n3. A routing key no queue is bound to (mandatory): basic.return before the ack');
    const routed = ns.name('routed');
    const returning = await confirmPublisher(() => ns.connect(), { setup: durable(routed) });
    const mixed = [
      { routingKey: routed, body: 'a', messageId: 'to-queue' },
      { routingKey: ns.name('nowhere'), body: 'b', messageId: 'to-nowhere' },
    ];
    const returnReport = await publishEach(returning, mixed);
    say(`   confirmed ${returnReport.confirmed.join(' ')}; returned ${returnReport.returned.join(' ')}`);
    const naive = await naivePublisher(() => ns.connect(), { setup: durable(routed) });
    const naiveReport = await publishEach(naive, mixed);
    say(
      `   naive publisher: ${naiveReport.confirmed.length} "sent", ${naiveReport.returned.length} returned; ` +
        `the queue holds ${await queueLength(routed)} (the routed one from each)`,
    );
    await Promise.all([returning.close(), naive.close()]);

    say('\n4. The broker stores a message, its ack is lost on the wire (the connection breaks)');
    const link = await faultyLink(new URL(ns.url).host);
    const url = new URL(link.via(ns.url));
    url.searchParams.set('heartbeat', '0');
    const lostAck = ns.name('lost_ack');
    const viaLink = await confirmPublisher(() => amqp.connect(url.toString()), {
      setup: durable(lostAck),
      onEvent: (e) => say(`   event: ${e.type}`),
    });
    const dropped = link.dropNextReply();
    const confirmed = await viaLink.publish({ routingKey: lostAck, body: 'x', messageId: 'only-once' });
    await dropped;
    say(`   confirmed after ${confirmed.publishes} publishes; the queue holds ${await queueLength(lostAck)} copies`);
    say('   (at least once: the consumer keeps the ids it has handled and skips the second copy)');
    await viaLink.close();
    await link.close();

    say('\n5. A broker SIGKILLed in the middle of a 3000-message stream (a private node, 10-20 s to start)');
    const node = await privateRabbitmq();
    try {
      const connect = async () => {
        const c = await amqp.connect(node.url);
        c.on('error', () => {});
        return c;
      };
      const stream = await confirmPublisher(connect, {
        setup: durable('stream'),
        reconnect: { attempts: 200, delayMs: 100, maxDelayMs: 250 },
        onEvent: (e) =>
          say(`   event: ${e.type}${'unconfirmed' in e ? ` (${e.unconfirmed} waiting for an answer)` : ''}`),
      });
      const fireAndForget = await naivePublisher(connect, { setup: durable('naive') });
      let confirmedAtKill = 0;
      let restarted: Promise<void> | undefined;
      async function* messages(): AsyncGenerator<Message> {
        for (const [i, m] of batch('stream', 3000, 'k').entries()) {
          if (i === 1500) {
            for (const n of batch('naive', 1000, 'n')) void fireAndForget.publish(n);
            const killing = node.kill();
            confirmedAtKill = stream.stats.confirmed;
            say(`   killed: ${confirmedAtKill} confirmed so far; the naive publisher "sent" 1000 just before`);
            await killing;
            restarted = node.start();
          }
          yield m;
        }
      }
      const report = await publishStreaming(stream, messages(), { window: 100 });
      await restarted;
      const reader = await connect();
      const ch = await reader.createChannel();
      const ids: string[] = [];
      for (let msg = await ch.get('stream', { noAck: true }); msg; msg = await ch.get('stream', { noAck: true }))
        ids.push(msg.properties.messageId as string);
      const distinct = new Set(ids).size;
      say(
        `   after the restart: ${report.confirmed.length} confirmed in all, re-published ${stream.stats.republished}`,
      );
      say(
        `   queue "stream": ${ids.length} messages, ${distinct} distinct ids (every confirmed one), ${ids.length - distinct} duplicates`,
      );
      say(`   queue "naive":  ${(await ch.checkQueue('naive')).messageCount} of the 1000 the naive publisher "sent"`);
      await stream.close();
      await fireAndForget.close();
      await reader.close();
    } finally {
      await node.close();
    }
    say('\ndone');
  } finally {
    await ns.close();
  }
});
