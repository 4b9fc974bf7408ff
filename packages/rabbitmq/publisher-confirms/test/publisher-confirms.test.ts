// Behaviour against the shared RabbitMQ (POC_STANDARD.md §3): what each strategy promises, read back from
// the broker; nacks from a full queue and returns of unroutable messages; a confirm lost on the wire (the
// broker stored the message, the publisher never heard) published again and counted as a duplicate.
import { amqpNamespace, faultyLink, type AmqpNamespace } from '@poc/harness';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  MessageUnconfirmedError,
  PublisherConfirmsServiceError,
  confirmPublisher,
  isPublisherConfirmsError,
  publishEach,
  publishInBatches,
  publishStreaming,
  type ConfirmPublisherOptions,
  type Message,
  type PublishReport,
  type Publisher,
} from '../src/index.ts';
import { naivePublisher } from '../src/naive.ts';
import { confirmFrames, duplicates, durableQueue, messages, takeAll } from './helpers.ts';

let ns: AmqpNamespace;
beforeAll(async () => {
  ns = await amqpNamespace({ name: 'publisher_confirms' }); // queue names of its own, deleted afterwards
});
afterAll(() => ns?.close());

async function publisherFor(options: ConfirmPublisherOptions, connect = () => ns.connect()): Promise<Publisher> {
  const p = await confirmPublisher(connect, options);
  onTestFinished(() => p.close());
  return p;
}

type Strategy = (p: Publisher, ms: Message[]) => Promise<PublishReport>;
const strategies: Array<[string, Strategy, number]> = [
  ['one at a time (publishEach)', (p, ms) => publishEach(p, ms), 1],
  ['in batches of 10 (publishInBatches)', (p, ms) => publishInBatches(p, ms, { batchSize: 10 }), 10],
  ['streaming, window 8 (publishStreaming)', (p, ms) => publishStreaming(p, ms, { window: 8 }), 8],
];

describe('the three confirm strategies', () => {
  it.each(strategies)(
    '%s: every confirmed message is in the queue, in order, and no more than its limit ever waited for an answer',
    async (label, strategy, limit) => {
      const queue = ns.name(`all_${limit}`);
      const connection = await ns.connect();
      const frames = confirmFrames(connection); // counts the broker's ack frames on this connection
      const publisher = await publisherFor({ setup: durableQueue(queue) }, async () => connection);
      const sent = messages(queue, 200, label);

      const report = await strategy(publisher, sent);

      const ids = sent.map((m) => m.messageId);
      expect(report).toEqual({ confirmed: ids, nacked: [], returned: [] });
      expect(await takeAll(connection, queue)).toEqual(ids);
      expect(frames.answered).toBe(200);
      expect(frames.maxOutstanding).toBe(limit);
    },
  );

  it.each(strategies)(
    '%s: a full queue (x-max-length 5, reject-publish) nacks the rest, and the report names them',
    async (label, strategy, limit) => {
      const queue = ns.name(`full_${limit}`);
      const publisher = await publisherFor({
        setup: durableQueue(queue, { 'x-max-length': 5, 'x-overflow': 'reject-publish' }),
      });
      const sent = messages(queue, 12, label);

      const report = await strategy(publisher, sent);

      const ids = sent.map((m) => m.messageId);
      expect(report).toEqual({ confirmed: ids.slice(0, 5), nacked: ids.slice(5), returned: [] });
      expect(await takeAll(await ns.connect(), queue)).toEqual(ids.slice(0, 5));
      expect(publisher.stats).toMatchObject({ confirmed: 5, nacked: 7, returned: 0 });
    },
  );
});

describe('returns and refusals', () => {
  it('reports messages no queue takes (mandatory → basic.return); the naive publisher "sends" them into the void', async () => {
    const queue = ns.name('routed');
    const nowhere = ns.name('nowhere'); // never declared: the default exchange routes this key nowhere
    const mixed = (prefix: string): Message[] =>
      messages(queue, 10, prefix).map((m, i) => (i % 3 === 0 ? { ...m, routingKey: nowhere } : m));
    const pattern = await publisherFor({ setup: durableQueue(queue) });
    const naive = await naivePublisher(() => ns.connect(), { setup: durableQueue(queue) });
    onTestFinished(() => naive.close());

    const report = await publishStreaming(pattern, mixed('pattern'), { window: 4 });
    const naiveReport = await publishStreaming(naive, mixed('naive'), { window: 4 });

    const unroutable = [0, 3, 6, 9];
    const routed = [1, 2, 4, 5, 7, 8];
    expect(report.returned).toEqual(unroutable.map((i) => `pattern-${i}`));
    expect(report.confirmed).toEqual(routed.map((i) => `pattern-${i}`));
    expect(naiveReport.confirmed).toHaveLength(10); // it believes all ten went somewhere
    expect(naiveReport.returned).toEqual([]);
    const inQueue = await takeAll(await ns.connect(), queue);
    expect(inQueue.filter((id) => id.startsWith('naive-'))).toEqual(routed.map((i) => `naive-${i}`));
    expect(inQueue.filter((id) => id.startsWith('pattern-'))).toEqual(report.confirmed);
  });

  it('gives up on messages the broker refuses by closing the channel (no such exchange), saying they may not be stored', async () => {
    const publisher = await publisherFor({ exchange: ns.name('no_such_exchange') });
    const err = await publisher.publish({ routingKey: 'k', body: 'x', messageId: 'm1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MessageUnconfirmedError);
    expect(err).toMatchObject({ reason: 'channel-error', messageIds: ['m1'] });
    expect((err as Error).message).toBe(
      'message m1 not confirmed: the broker closed the channel; it may or may not be stored',
    );
    expect(String((err as Error).cause)).toMatch(/NOT_FOUND - no exchange/);
  });

  it('surfaces a broker that cannot be reached, and a setup that fails, as a ServiceError naming the step', async () => {
    const unreachable = await confirmPublisher(() => amqp.connect('amqp://127.0.0.1:1')).catch((e: unknown) => e);
    expect(unreachable).toBeInstanceOf(PublisherConfirmsServiceError);
    expect((unreachable as Error).message).toMatch(/^connecting failed: .*ECONNREFUSED/);
    const queue = ns.name('setup');
    await (await ns.connect()).createChannel().then((ch) => ch.assertQueue(queue, { durable: false }));
    const badSetup = await confirmPublisher(() => ns.connect(), { setup: durableQueue(queue) }).catch(
      (e: unknown) => e,
    );
    expect(isPublisherConfirmsError(badSetup, 'service')).toBe(true);
    expect((badSetup as Error).message).toMatch(
      /^running setup failed: .*PRECONDITION_FAILED - inequivalent arg 'durable'/,
    );
  });

  it('close() waits for the answers still due', async () => {
    const queue = ns.name('close');
    const publisher = await confirmPublisher(() => ns.connect(), { setup: durableQueue(queue) });
    const outcomes = messages(queue, 300, 'c').map((m) => publisher.publish(m));
    expect(publisher.unconfirmed).toBe(300);
    await publisher.close();
    expect((await Promise.allSettled(outcomes)).filter((o) => o.status === 'fulfilled')).toHaveLength(300);
    expect(publisher.state).toBe('closed');
    expect(await takeAll(await ns.connect(), queue)).toHaveLength(300);
  });
});

describe('a confirm lost on the wire', () => {
  it('publishes the message again on a new connection: stored twice, counted, and a consumer that dedups by id handles it once', async () => {
    const link = await faultyLink(new URL(ns.url).host);
    onTestFinished(() => link.close());
    const url = new URL(link.via(ns.url));
    url.searchParams.set('heartbeat', '0'); // no heartbeat frame: the broker's next chunk is the ack
    const queue = ns.name('lost_ack');
    const events: string[] = [];
    const publisher = await publisherFor(
      { setup: durableQueue(queue), onEvent: (e) => events.push(e.type) },
      async () => {
        const c = await amqp.connect(url.toString());
        onTestFinished(() => c.close().catch(() => {}));
        return c;
      },
    );
    await publisher.publish({ routingKey: queue, body: 'first', messageId: 'first' });

    const lost = link.dropNextReply(); // the broker stores "second" and acks; the ack never arrives
    const second = await publisher.publish({ routingKey: queue, body: 'second', messageId: 'second' });
    const dropped = await lost;
    expect([dropped[0], dropped.readUInt16BE(7), dropped.readUInt16BE(9)]).toEqual([1, 60, 80]); // a basic.ack frame

    expect(second).toEqual({ messageId: 'second', publishes: 2 });
    expect(events).toEqual(['disconnected', 'reconnected']);
    expect(publisher.stats).toMatchObject({ confirmed: 2, republished: 1, reconnects: 1 });
    const stored = await takeAll(await ns.connect(), queue);
    expect(stored).toEqual(['first', 'second', 'second']); // at least once: the broker had it the first time
    const { distinct, extraCopies } = duplicates(stored);
    expect(extraCopies).toBe(1);
    const handled: string[] = [];
    for (const id of stored) if (!handled.includes(id)) handled.push(id); // the consumer's dedup by message id
    expect(handled).toEqual([...distinct]);
  });
});
