// A broker SIGKILLed (a private node): a message dead-lettered just before the kill is in the parking queue
// afterwards (quorum queue, at-least-once dead-lettering), a TTL'd message still waiting keeps its
// expiration and is parked once it expires, and calls on the dead connection fail with DeadLetterServiceError.
import { eventually, privateRabbitmq } from '@poc/harness';
import amqp, { type ChannelModel } from 'amqplib';
import { describe, expect, it, onTestFinished } from 'vitest';
import { consume, declareDeadLettering, isDeadLetterError, type DeadLetterOptions } from '../src/index.ts';
import { depth, sender, takeAll, timeless } from './helpers.ts';

describe('a broker SIGKILLed (private RabbitMQ)', () => {
  it('parks a message dead-lettered just before the kill (quorum, at-least-once), and a waiting TTL message still expires into the parking queue', async () => {
    const server = await privateRabbitmq();
    onTestFinished(() => server.close());
    const connect = async (): Promise<ChannelModel> => {
      const c = await amqp.connect(server.url);
      c.on('error', () => {}); // the kill drops it; the calls on it report that
      onTestFinished(() => c.close().catch(() => {}));
      return c;
    };
    const payments: DeadLetterOptions = {
      queue: 'payments',
      parkingQueue: 'payments.parked',
      type: 'quorum',
      strategy: 'at-least-once',
    };
    const orders: DeadLetterOptions = { queue: 'orders', parkingQueue: 'orders.parked' };
    const setup = await connect();
    await declareDeadLettering(setup, payments);
    await declareDeadLettering(setup, orders);
    // A graceful restart makes the new declarations durable before the fault. Without it, a quorum queue
    // declared moments before a SIGKILL of its single node stayed unavailable after the restart (seen here on
    // 3.10.8: publishes nacked for minutes), which is not the hand-over this test is about.
    await server.restart();
    const before = await connect();
    const s = await sender(before);
    // A blocker without TTL at the head, a message that expires in 1 ms behind it: a classic queue expires
    // messages at its head only, so the second cannot expire until the first is gone, kill or no kill.
    expect(await s.send('', 'orders', 'blocker')).toBe('ack');
    expect(await s.send('', 'orders', 'expires-after', { expiration: '1' })).toBe('ack');
    // With prefetch 1 the broker hands out "marker" only once it has applied the nack of "poison": when the
    // handler sees "marker", the dead letter is the broker's business, and the broker is killed at once.
    expect(await s.send('', 'payments', 'poison')).toBe('ack');
    expect(await s.send('', 'payments', 'marker')).toBe('ack');
    let markerTaken = false;
    const worker = await consume(before, 'payments', {
      prefetch: 1,
      handler: (d) => {
        if (d.messageId === 'poison') throw new Error('cannot process');
        markerTaken = true;
        return new Promise<void>(() => {}); // holds "marker" until the kill
      },
    });
    await eventually(() => markerTaken, {
      intervalMs: 1,
      what: '"marker" delivered, so the nack of "poison" was applied',
    });

    await server.kill();

    const lost = await worker.done.catch((e: unknown) => e);
    expect(isDeadLetterError(lost, 'service')).toBe(true);
    expect((lost as Error).message).toMatch(/^the channel consuming "payments" closed/);
    const down = await declareDeadLettering(before, orders).catch((e: unknown) => e);
    expect(isDeadLetterError(down, 'service')).toBe(true);
    expect((down as Error).message).toMatch(/^opening a channel to declare dead-lettering failed: /);

    await server.start();
    const after = await connect();
    await eventually(async () => (await depth(after, 'payments.parked')) >= 1, { what: '"poison" parked' });
    // At least once: a copy the parking queue stored but had not confirmed when the broker died is sent again.
    const parked = await takeAll(after, 'payments.parked');
    expect(new Set(parked.map((p) => p.messageId))).toEqual(new Set(['poison']));
    for (const p of parked)
      expect(p.history.deaths.map(timeless)).toEqual([
        { reason: 'rejected', count: 1, queue: 'payments', exchange: '', routingKeys: ['payments'] },
      ]);
    await eventually(async () => (await depth(after, 'payments')) === 1, { what: '"marker" back in the work queue' });

    expect(await depth(after, 'orders')).toBe(2);
    const ch = await after.createChannel();
    const head = await ch.get('orders', { noAck: true });
    await ch.close();
    expect(head && head.properties.messageId).toBe('blocker');
    await eventually(async () => (await depth(after, 'orders.parked')) === 1, {
      what: 'the TTL message expired and parked',
    });
    const [expired] = await takeAll(after, 'orders.parked');
    // (original-expiration is missing from an x-death written after the restart, seen here on 3.10.8: not asserted.)
    expect(expired!.messageId).toBe('expires-after');
    expect(expired!.history.deaths).toHaveLength(1);
    expect(expired!.history.deaths[0]).toMatchObject({
      reason: 'expired',
      count: 1,
      queue: 'orders',
      exchange: '',
      routingKeys: ['orders'],
    });
  });
});
