// pnpm --filter poc-rabbitmq-dead-letter demo: every way a message dies on a real RabbitMQ, what lands in
// the parking queue, and the x-death history parsed from it; then a poison message, requeued vs parked.
import { amqpNamespace, eventually, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import type { ChannelModel, Options } from 'amqplib';
import { consume, declareDeadLettering, parseXDeath, type DeadLetterOptions, type Death } from './index.ts';
import { naiveConsume } from './naive.ts';

const say = (line = ''): void => console.log(line);

runMain(async () => {
  const server = await serverFor('rabbitmq');
  const ns = await amqpNamespace({ name: 'demo' }); // queue and exchange names of its own, removed at the end
  try {
    const conn = await ns.connect();
    const short = (name: string): string => name.replace(`${ns.prefix}_`, '');
    const describe = (d: Death): string =>
      `${d.reason} ×${d.count} in ${short(d.queue)} (exchange "${short(d.exchange)}", keys ${JSON.stringify(d.routingKeys.map(short))}` +
      `${d.originalExpiration === undefined ? '' : `, original-expiration ${d.originalExpiration}`})`;
    const confirm = await conn.createConfirmChannel();
    const send = (queue: string, id: string, o: Options.Publish = {}): Promise<string> =>
      new Promise((resolve) =>
        confirm.sendToQueue(queue, Buffer.from(id), { persistent: true, messageId: id, ...o }, (err) =>
          resolve(err ? 'nack' : 'ack'),
        ),
      );
    const declare = (base: string, o: Partial<DeadLetterOptions> = {}) =>
      declareDeadLettering(conn, { queue: ns.name(base), parkingQueue: ns.name(`${base}.parked`), ...o });
    /** Takes everything from a parking queue and prints each message with its parsed history. */
    const showParked = async (c: ChannelModel, queue: string, expected: number): Promise<void> => {
      const ch = await c.createChannel();
      await eventually(async () => (await ch.checkQueue(queue)).messageCount >= expected, {
        what: `${expected} parked in ${queue}`,
      });
      for (let m = await ch.get(queue, { noAck: true }); m !== false; m = await ch.get(queue, { noAck: true })) {
        const h = parseXDeath(m.properties.headers as Record<string, unknown>);
        say(`   parked ${String(m.properties.messageId).padEnd(13)} ${h.deaths.map(describe).join('; ')}`);
      }
      await ch.close();
    };
    say(`RabbitMQ dead-letter demo (RabbitMQ ${server.version}, ${server.provider})`);

    say('\n1. A failing handler: consume() acks what succeeds and dead-letters (nack, requeue=false) what throws');
    const orders = await declare('orders');
    say(`   work queue arguments: ${JSON.stringify(orders.queueArguments).replaceAll(`${ns.prefix}_`, '')}`);
    for (const id of ['order-1', 'order-bad', 'order-2']) await send(orders.queue, id);
    const c1 = await consume(conn, orders.queue, {
      prefetch: 1,
      handler: (d) => {
        if (d.messageId === 'order-bad') throw new Error('invalid order');
      },
    });
    await eventually(() => c1.stats.acked + c1.stats.deadLettered === 3);
    await c1.stop();
    say(`   consumer stats: ${JSON.stringify(c1.stats)}`);
    await showParked(conn, orders.parkingQueue, 1);

    say('\n2. TTL: a queue with x-message-ttl 50 ms, and a message with expiration 30 on a queue without one');
    const ttl = await declare('ttl', { messageTtlMs: 50 });
    await send(ttl.queue, 'queue-ttl');
    const plain = await declare('plain');
    await send(plain.queue, 'message-ttl', { expiration: '30' });
    await showParked(conn, ttl.parkingQueue, 1);
    await showParked(conn, plain.parkingQueue, 1);

    say('\n3. A full queue (x-max-length 2), five messages published with confirms');
    for (const overflow of ['drop-head', 'reject-publish-dlx', 'reject-publish'] as const) {
      const full = await declare(`full_${overflow}`, { maxLength: 2, overflow });
      const answers: string[] = [];
      for (let i = 0; i < 5; i++) answers.push(await send(full.queue, `m${i}`));
      const ch = await conn.createChannel();
      const [kept, parked] = [
        (await ch.checkQueue(full.queue)).messageCount,
        (await ch.checkQueue(full.parkingQueue)).messageCount,
      ];
      await ch.close();
      say(`   ${overflow.padEnd(18)} publisher got ${answers.join(' ')}; queue keeps ${kept}, parked ${parked}`);
    }

    say('\n4. A poison message under a consumer that requeues on failure (requeue=true)');
    const loop = await declare('loop');
    await send(loop.queue, 'poison');
    const naive = await naiveConsume(conn, loop.queue, {
      prefetch: 1,
      handler: () => {
        throw new Error('poison');
      },
    });
    const started = performance.now();
    await eventually(() => naive.stats.received >= 500, { what: '500 deliveries' });
    await naive.stop();
    const ms = Math.round(performance.now() - started);
    const ch = await conn.createChannel();
    say(
      `   classic queue: ${naive.stats.received} deliveries of the same message in ${ms} ms before the demo stopped it; parked: ${(await ch.checkQueue(loop.parkingQueue)).messageCount}`,
    );
    await ch.close();
    const limited = await declare('limited', { type: 'quorum', deliveryLimit: 2 });
    await send(limited.queue, 'poison');
    const counts: string[] = [];
    const capped = await naiveConsume(conn, limited.queue, {
      prefetch: 1,
      handler: (d) => {
        counts.push(String(d.deliveryCount ?? '-'));
        throw new Error('poison');
      },
    });
    await showParked(conn, limited.parkingQueue, 1);
    await capped.stop();
    say(
      `   quorum queue, x-delivery-limit 2: ${capped.stats.received} deliveries (x-delivery-count ${counts.join(', ')}), then parked (above)`,
    );
    const parkedAtOnce = await declare('parked_at_once');
    await send(parkedAtOnce.queue, 'poison');
    const pattern = await consume(conn, parkedAtOnce.queue, {
      prefetch: 1,
      handler: () => {
        throw new Error('poison');
      },
    });
    await showParked(conn, parkedAtOnce.parkingQueue, 1);
    await pattern.stop();
    say(`   consume() on a classic queue: ${pattern.stats.received} delivery, then parked (above)`);
    say(
      '\n5. A retry loop (work → rejected → wait queue, TTL 20 ms → expired → work): the history of the third delivery',
    );
    const work = ns.name('retry_work');
    const wait = ns.name('retry_wait');
    const setup = await conn.createChannel();
    await setup.assertQueue(work, { arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': wait } });
    await setup.assertQueue(wait, {
      arguments: { 'x-message-ttl': 20, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': work },
    });
    await setup.close();
    await send(work, 'flaky');
    let attempts = 0;
    const retrying = await consume(conn, work, {
      prefetch: 1,
      handler: (d) => {
        if (++attempts < 3) throw new Error(`attempt ${attempts} fails`);
        for (const death of d.history.deaths) say(`   ${describe(death)}`);
        say(
          `   first death: ${JSON.stringify(d.history.first).replaceAll(`${ns.prefix}_`, '')}; ${d.history.total} deaths in all`,
        );
      },
    });
    await eventually(() => retrying.stats.acked === 1);
    await retrying.stop();
    await confirm.close();
    say('\ndone');
  } finally {
    await ns.close();
  }
});
