// Every way a message dies, against the real broker, with the x-death the broker wrote read back and
// asserted through parseXDeath: reject and nack without requeue, per-queue and per-message TTL, a full
// queue (drop-head, reject-publish-dlx, and reject-publish for contrast), a quorum queue's delivery limit,
// and the count going up as a message goes round a retry loop. Then the naive requeue loop, bounded.
import { amqpNamespace, eventually, type AmqpNamespace } from '@poc/harness';
import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { consume, declareDeadLettering, deathCount, type DeadLetterOptions, type Delivery } from '../src/index.ts';
import { naiveConsume } from '../src/naive.ts';
import { depth, sender, takeAll, timeless } from './helpers.ts';

let ns: AmqpNamespace;
let conn: ChannelModel;
beforeAll(async () => {
  ns = await amqpNamespace({ name: 'dl' });
  conn = await ns.connect();
});
afterAll(() => ns?.close());

/** A work queue and its parking queue under names of this suite. */
const declare = (base: string, options: Partial<DeadLetterOptions> = {}) =>
  declareDeadLettering(conn, { queue: ns.name(base), parkingQueue: ns.name(`${base}_parked`), ...options });

const failing = (): never => {
  throw new Error('cannot process');
};

describe('rejected messages', () => {
  it.each([
    ['basic.nack, requeue=false', 'nack'],
    ['basic.reject, requeue=false', 'reject'],
  ] as const)(
    'parks a message settled with %s, with x-death: rejected, count 1, queue, exchange, routing keys',
    async (_what, how) => {
      const t = await declare(`rejected_${how}`);
      const exchange = ns.name(`orders_${how}`);
      const setup = await conn.createChannel();
      await setup.assertExchange(exchange, 'topic', { durable: false });
      await setup.bindQueue(t.queue, exchange, 'order.#');
      await setup.bindQueue(t.queue, exchange, 'audit.#');
      const s = await sender(conn);
      expect(await s.send(exchange, 'order.eu.created', 'm1', { CC: ['audit.copy'] })).toBe('ack');

      const got = await eventually(() => setup.get(t.queue), { what: 'the message in the work queue' });
      if (how === 'nack') setup.nack(got, false, false);
      else setup.reject(got, false);
      await eventually(async () => (await depth(conn, t.parkingQueue)) === 1, { what: 'the message parked' });
      await setup.close();

      const [parked] = await takeAll(conn, t.parkingQueue);
      expect(parked!.messageId).toBe('m1');
      expect(parked!.history.deaths.map(timeless)).toEqual([
        {
          reason: 'rejected',
          count: 1,
          queue: t.queue,
          exchange,
          routingKeys: ['order.eu.created', 'audit.copy'],
        },
      ]);
      expect(parked!.history.first).toEqual({ reason: 'rejected', queue: t.queue, exchange });
      expect(parked!.history.total).toBe(1);
      expect(parked!.history.deaths[0]!.time).toBeInstanceOf(Date);
      expect(await depth(conn, t.queue)).toBe(0);
    },
  );

  it('consume() acks what its handler finished and dead-letters what it threw on', async () => {
    const t = await declare('consumed');
    const s = await sender(conn);
    for (const id of ['ok1', 'bad', 'ok2']) await s.send('', t.queue, id);
    const errors: string[] = [];
    const c = await consume(conn, t.queue, {
      prefetch: 1,
      handler: (d) => {
        if (d.messageId === 'bad') throw new Error('cannot process bad');
      },
      onHandlerError: (e, d) => errors.push(`${d.messageId}: ${(e as Error).message}`),
    });
    onTestFinished(() => c.stop());
    await eventually(() => c.stats.acked + c.stats.deadLettered === 3, { what: 'three messages settled' });
    await c.stop();
    expect(c.stats).toEqual({ received: 3, acked: 2, deadLettered: 1, requeued: 0 });
    expect(errors).toEqual(['bad: cannot process bad']);
    const parked = await takeAll(conn, t.parkingQueue);
    expect(parked.map((p) => [p.messageId, p.history.first?.reason])).toEqual([['bad', 'rejected']]);
  });

  it('counts each death: round a retry loop (reject → TTL wait queue → back) the x-death counts go up', async () => {
    // work --(rejected)--> wait (TTL 20 ms) --(expired)--> work, twice; the third delivery is acked.
    const work = ns.name('loop_work');
    const wait = ns.name('loop_wait');
    const ch = await conn.createChannel();
    await ch.assertQueue(work, {
      durable: false,
      arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': wait },
    });
    await ch.assertQueue(wait, {
      durable: false,
      arguments: { 'x-message-ttl': 20, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': work },
    });
    await ch.close();
    const s = await sender(conn);
    await s.send('', work, 'looping');
    const seen: Delivery[] = [];
    const c = await consume(conn, work, {
      prefetch: 1,
      handler: (d) => {
        seen.push(d);
        if (seen.length < 3) throw new Error(`attempt ${seen.length} fails`);
      },
    });
    onTestFinished(() => c.stop());
    await eventually(() => c.stats.acked === 1, { what: 'the third delivery acked' });
    await c.stop();

    expect(seen.map((d) => d.history.total)).toEqual([0, 2, 4]);
    const last = seen[2]!.history;
    // Most recent first: it came back from the wait queue (expired), before that it was rejected here.
    expect(last.deaths.map(timeless)).toEqual([
      { reason: 'expired', count: 2, queue: wait, exchange: '', routingKeys: [wait] },
      { reason: 'rejected', count: 2, queue: work, exchange: '', routingKeys: [work] },
    ]);
    expect(last.first).toEqual({ reason: 'rejected', queue: work, exchange: '' });
    expect(deathCount(last, { queue: work })).toBe(2);
    expect(deathCount(last, { reason: 'expired' })).toBe(2);
    expect(c.stats).toEqual({ received: 3, acked: 1, deadLettered: 2, requeued: 0 });
  });
});

describe('expired messages (TTL, by the broker clock)', () => {
  it('parks every message of a queue with x-message-ttl when its time runs out, in order', async () => {
    const t = await declare('queue_ttl', { messageTtlMs: 30 });
    expect(t.queueArguments).toMatchObject({ 'x-message-ttl': 30 });
    const s = await sender(conn);
    for (const id of ['t1', 't2', 't3']) await s.send('', t.queue, id);
    await eventually(async () => (await depth(conn, t.parkingQueue)) === 3, {
      what: 'three messages expired and parked',
    });
    const parked = await takeAll(conn, t.parkingQueue);
    expect(parked.map((p) => p.messageId)).toEqual(['t1', 't2', 't3']);
    for (const p of parked) {
      expect(p.history.deaths.map(timeless)).toEqual([
        { reason: 'expired', count: 1, queue: t.queue, exchange: '', routingKeys: [t.queue] },
      ]);
    }
  });

  it('parks a message whose own expiration ran out, keeping it as original-expiration', async () => {
    const t = await declare('message_ttl');
    const s = await sender(conn);
    await s.send('', t.queue, 'short-lived', { expiration: '25' });
    await eventually(async () => (await depth(conn, t.parkingQueue)) === 1, { what: 'the message expired and parked' });
    const [parked] = await takeAll(conn, t.parkingQueue);
    expect(parked!.history.deaths.map(timeless)).toEqual([
      { reason: 'expired', count: 1, queue: t.queue, exchange: '', routingKeys: [t.queue], originalExpiration: '25' },
    ]);
    expect(parked!.message.properties.expiration).toBeUndefined(); // removed, so it does not expire again in the parking queue
  });

  it('does not expire a message with its own TTL while one without a TTL is ahead of it (classic queues expire at the head)', async () => {
    const t = await declare('head_of_line');
    const probe = await declare('head_of_line_probe');
    const s = await sender(conn);
    await s.send('', t.queue, 'no-ttl');
    await s.send('', t.queue, 'stuck', { expiration: '25' });
    await s.send('', probe.queue, 'probe', { expiration: '25' }); // the same TTL, at the head of its own queue
    await eventually(async () => (await depth(conn, probe.parkingQueue)) === 1, { what: 'the probe expired' });
    // The probe's TTL has run out, so has "stuck"'s: but it sits behind "no-ttl" and is not dead-lettered yet.
    expect(await depth(conn, t.parkingQueue)).toBe(0);
    expect(await depth(conn, t.queue)).toBe(2);
    const ch = await conn.createChannel();
    const head = await ch.get(t.queue, { noAck: true });
    await ch.close();
    expect(head && head.properties.messageId).toBe('no-ttl');
    await eventually(async () => (await depth(conn, t.parkingQueue)) === 1, {
      what: '"stuck" expired once at the head',
    });
    expect((await takeAll(conn, t.parkingQueue)).map((p) => [p.messageId, p.history.first?.reason])).toEqual([
      ['stuck', 'expired'],
    ]);
  });
});

describe('a full queue (x-max-length 2, five messages published with confirms)', () => {
  async function overflow(overflowMode: 'drop-head' | 'reject-publish-dlx' | 'reject-publish') {
    const t = await declare(`full_${overflowMode}`, { maxLength: 2, overflow: overflowMode });
    const s = await sender(conn);
    const answers: string[] = [];
    for (let i = 0; i < 5; i++) answers.push(await s.send('', t.queue, `m${i}`));
    const kept = (await takeAll(conn, t.queue)).map((p) => p.messageId);
    const parked = await takeAll(conn, t.parkingQueue);
    return { answers, kept, parked };
  }

  it('drop-head: confirms all five, parks the three oldest with reason maxlen, keeps the newest two', async () => {
    const { answers, kept, parked } = await overflow('drop-head');
    expect(answers).toEqual(['ack', 'ack', 'ack', 'ack', 'ack']);
    expect(kept).toEqual(['m3', 'm4']);
    expect(parked.map((p) => p.messageId)).toEqual(['m0', 'm1', 'm2']);
    expect(parked.map((p) => p.history.first?.reason)).toEqual(['maxlen', 'maxlen', 'maxlen']);
  });

  it('reject-publish-dlx: nacks the three newest to the publisher and parks them with reason maxlen', async () => {
    const { answers, kept, parked } = await overflow('reject-publish-dlx');
    expect(answers).toEqual(['ack', 'ack', 'nack', 'nack', 'nack']);
    expect(kept).toEqual(['m0', 'm1']);
    expect(parked.map((p) => p.messageId)).toEqual(['m2', 'm3', 'm4']);
    expect(parked.map((p) => timeless(p.history.deaths[0]!).reason)).toEqual(['maxlen', 'maxlen', 'maxlen']);
  });

  it('reject-publish (for contrast): nacks the three newest and parks nothing — the publisher alone holds them', async () => {
    const { answers, kept, parked } = await overflow('reject-publish');
    expect(answers).toEqual(['ack', 'ack', 'nack', 'nack', 'nack']);
    expect(kept).toEqual(['m0', 'm1']);
    expect(parked).toEqual([]);
  });
});

describe('delivery limit (quorum queue, x-delivery-limit)', () => {
  it('lets even a requeue-forever consumer try a poison message limit + 1 times, then parks it with reason delivery_limit', async () => {
    const t = await declare('limit', { type: 'quorum', deliveryLimit: 2 });
    expect(t.queueArguments).toMatchObject({ 'x-queue-type': 'quorum', 'x-delivery-limit': 2 });
    const s = await sender(conn);
    await s.send('', t.queue, 'poison');
    const counts: Array<number | undefined> = [];
    const c = await naiveConsume(conn, t.queue, {
      prefetch: 1,
      handler: (d) => (counts.push(d.deliveryCount), failing()),
    });
    onTestFinished(() => c.stop());
    await eventually(async () => (await depth(conn, t.parkingQueue)) === 1, { what: 'the poison message parked' });
    await c.stop();

    expect(counts).toEqual([undefined, 1, 2]);
    expect(c.stats).toEqual({ received: 3, acked: 0, deadLettered: 0, requeued: 3 });
    const [parked] = await takeAll(conn, t.parkingQueue);
    expect(parked!.history.deaths.map(timeless)).toEqual([
      { reason: 'delivery_limit', count: 1, queue: t.queue, exchange: '', routingKeys: [t.queue] },
    ]);
  });

  it('parks it at the first failure with consume(): reason rejected, one delivery', async () => {
    const t = await declare('limit_pattern', { type: 'quorum', deliveryLimit: 2 });
    const s = await sender(conn);
    await s.send('', t.queue, 'poison');
    const c = await consume(conn, t.queue, { prefetch: 1, handler: failing });
    onTestFinished(() => c.stop());
    await eventually(async () => (await depth(conn, t.parkingQueue)) === 1, { what: 'the poison message parked' });
    await c.stop();
    expect(c.stats).toEqual({ received: 1, acked: 0, deadLettered: 1, requeued: 0 });
    expect((await takeAll(conn, t.parkingQueue))[0]!.history.first?.reason).toBe('rejected');
  });
});

describe('break it: a poison message on a classic queue', () => {
  const BOUND = 50; // the naive loop never ends by itself: the test stops it after this many deliveries

  it('loops forever under requeue=true (stopped after 50 deliveries, never parked); consume() parks it after one', async () => {
    const naiveQueue = await declare('poison_naive');
    const patternQueue = await declare('poison_pattern');
    const s = await sender(conn);
    await s.send('', naiveQueue.queue, 'poison');
    await s.send('', patternQueue.queue, 'poison');

    const naive = await naiveConsume(conn, naiveQueue.queue, { prefetch: 1, handler: failing });
    onTestFinished(() => naive.stop());
    const pattern = await consume(conn, patternQueue.queue, { prefetch: 1, handler: failing });
    onTestFinished(() => pattern.stop());

    await eventually(() => naive.stats.received >= BOUND, { what: `${BOUND} deliveries of the same message` });
    await eventually(async () => (await depth(conn, patternQueue.parkingQueue)) === 1, {
      what: 'the pattern parked it',
    });
    await naive.stop();
    await pattern.stop();

    expect(naive.stats.received).toBeGreaterThanOrEqual(BOUND);
    expect(naive.stats.requeued).toBe(naive.stats.received);
    expect(await depth(conn, naiveQueue.parkingQueue)).toBe(0); // never parked
    expect(await depth(conn, naiveQueue.queue)).toBe(1); // still there, ready to loop again

    expect(pattern.stats).toEqual({ received: 1, acked: 0, deadLettered: 1, requeued: 0 });
    expect(await depth(conn, patternQueue.queue)).toBe(0);
  });
});
