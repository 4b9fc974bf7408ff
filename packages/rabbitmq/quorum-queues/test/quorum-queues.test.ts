// The publisher and consumer against the shared broker (a one-node cluster): confirms, duplicates dropped
// by messageId, redelivery after a handler failure, and each way a publish or a subscription can fail,
// as a typed error with the broker's reason. Node failures are in faults.test.ts, on a 3-node cluster.
import { createServer } from 'node:net';
import { amqpNamespace, eventually, type AmqpNamespace } from '@poc/harness';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  PublishNotConfirmedError,
  QueueUnavailableError,
  failoverConsumer,
  failoverPublisher,
  isQuorumQueuesError,
  type PublisherOptions,
} from '../src/index.ts';
import { drained, loggingConsumer, messageCount, type Handled, type Job } from './helpers.ts';

let ns: AmqpNamespace;
beforeAll(async () => {
  ns = await amqpNamespace({ name: 'qq' });
});
afterAll(() => ns?.close());

function publisherFor(queue: string, options: Partial<PublisherOptions> = {}) {
  const p = failoverPublisher<Job>({ urls: [ns.url], queue, ...options });
  onTestFinished(() => p.close());
  return p;
}

/** A loopback port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('publishing and consuming through the library', () => {
  it('resolves publish() once the broker confirmed; the consumer handles each message once and the queue ends empty', async () => {
    const queue = ns.name('basic');
    const p = publisherFor(queue);
    const ids = await Promise.all(Array.from({ length: 30 }, (_, n) => p.publish({ n }).then((r) => r.messageId)));
    expect(p.stats).toEqual({ published: 30, resent: 0, failovers: 0 });
    // Read back from the broker before anyone consumes: the confirmed messages are in the queue.
    await eventually(async () => (await messageCount(ns.url, queue)) === 30, { what: '30 messages in the queue' });

    const log: Handled[] = [];
    const consumer = await loggingConsumer({ urls: [ns.url], queue }, log);
    await eventually(() => log.length === 30, { what: '30 messages handled' });
    await drained(consumer, ns.url, 'the queue drained');
    expect(new Set(log.map((h) => h.messageId))).toEqual(new Set(ids));
    expect(consumer.stats).toMatchObject({ delivered: 30, handled: 30, duplicates: 0, failed: 0, failovers: 0 });
    expect(consumer.state).toBe('consuming');
    await consumer.stop();
    expect(consumer.state).toBe('stopped');
    await expect(consumer.done).resolves.toBeUndefined();
  });

  it('runs the handler once for a message published twice under one messageId; the copy is acked as a duplicate', async () => {
    const queue = ns.name('dedupe');
    const p = publisherFor(queue);
    await p.publish({ n: 1 }, { messageId: 'order-1' });
    await p.publish({ n: 1 }, { messageId: 'order-1' }); // a re-send after a lost confirm looks like this
    await p.publish({ n: 2 }, { messageId: 'order-2' });
    const log: Handled[] = [];
    const consumer = await loggingConsumer({ urls: [ns.url], queue }, log);
    await eventually(() => consumer.stats.delivered === 3, { what: 'three deliveries' });
    await drained(consumer, ns.url, 'the queue drained');
    expect(log.map((h) => h.messageId)).toEqual(['order-1', 'order-2']);
    expect(consumer.stats).toMatchObject({ delivered: 3, handled: 2, duplicates: 1 });
  });

  it('gives a message whose handler threw back to the queue; it comes again flagged redelivered', async () => {
    const queue = ns.name('flaky');
    const p = publisherFor(queue);
    await p.publish({ n: 1 }, { messageId: 'flaky' });
    const log: Handled[] = [];
    let failures = 0;
    const consumer = await loggingConsumer(
      {
        urls: [ns.url],
        queue,
        before: () => {
          if (failures++ === 0) throw new Error('downstream timed out');
        },
      },
      log,
    );
    await eventually(() => log.length === 1, { what: 'the second run to succeed' });
    expect(log).toEqual([{ messageId: 'flaky', redelivered: true, node: new URL(ns.url).host }]);
    expect(consumer.stats).toMatchObject({ delivered: 2, redelivered: 1, failed: 1, handled: 1 });
  });
});

describe('when the broker does not confirm', () => {
  it('rejects with reason "nacked" once its budget is spent when the queue refuses every try', async () => {
    // A classic queue refuses the first message over x-max-length. (A quorum queue on RabbitMQ 3.10 was
    // seen taking one more before it starts nacking: it applies the limit a message late.)
    const queue = ns.name('full');
    const full = { 'x-max-length': 1, 'x-overflow': 'reject-publish' };
    const p = publisherFor(queue, { type: 'classic', arguments: full, timeoutMs: 1_000, retryDelayMs: 100 });
    await p.publish({ n: 1 }, { messageId: 'first' });
    const err = await p.publish({ n: 2 }, { messageId: 'second' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishNotConfirmedError);
    expect(isQuorumQueuesError(err, 'not-confirmed')).toBe(true);
    expect(err).toMatchObject({ reason: 'nacked', messageId: 'second' });
    const { attempts } = err as PublishNotConfirmedError;
    expect(attempts).toBeGreaterThan(1); // it tried again while its budget lasted
    expect(p.stats.resent).toBe(attempts - 1);
    expect((err as Error).message).toBe(
      `publishing message second to queue "${queue}" was not confirmed within 1000 ms after ${attempts} tries: the broker nacked it on every try (no quorum for the queue, or the queue refused it)`,
    );
    expect(await messageCount(ns.url, queue)).toBe(1);
  });

  it('rejects with reason "unroutable" when the queue was deleted under it', async () => {
    const queue = ns.name('deleted');
    const p = publisherFor(queue);
    await p.publish({ n: 1 });
    const admin = await (await ns.connect()).createChannel();
    await admin.deleteQueue(queue);
    const err = await p.publish({ n: 2 }, { messageId: 'late' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'not-confirmed', reason: 'unroutable', messageId: 'late', attempts: 1 });
    await admin.close();
  });

  it('rejects with reason "unavailable" when no node answers; a consumer gives up naming every node', async () => {
    const ports = [await closedPort(), await closedPort()];
    const urls = ports.map((port) => `amqp://guest:guest@127.0.0.1:${port}`);
    const queue = ns.name('nowhere');
    const p = publisherFor(queue, { urls, timeoutMs: 500, retryDelayMs: 100 });
    const err = await p.publish({ n: 1 }, { messageId: 'm' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'not-confirmed', reason: 'unavailable', attempts: 0 });
    expect((err as Error).cause).toBeInstanceOf(QueueUnavailableError);

    const consumerErr = await failoverConsumer<Job>({
      urls,
      queue,
      handler: () => {},
      giveUpAfterMs: 500,
      retryDelayMs: 100,
    }).catch((e: unknown) => e);
    expect(consumerErr).toBeInstanceOf(QueueUnavailableError);
    expect(isQuorumQueuesError(consumerErr, 'unavailable')).toBe(true);
    const { failures } = consumerErr as QueueUnavailableError;
    expect(failures.map((f) => f.node)).toEqual(ports.map((port) => `127.0.0.1:${port}`));
    for (const f of failures) expect(f.error).toMatch(/ECONNREFUSED/);
    expect((consumerErr as Error).message).toMatch(
      new RegExp(
        `^gave up consuming queue "${queue}" after 500 ms: no node could serve queue "${queue}" \\(127\\.0\\.0\\.1:`,
      ),
    );
    expect((consumerErr as Error).message).not.toContain('guest'); // nodes are named without credentials
  });

  it("reports the broker's reason when the queue exists with another type", async () => {
    const queue = ns.name('classic_already');
    const admin = await (await ns.connect()).createChannel();
    await admin.assertQueue(queue, { durable: true }); // a classic queue
    await admin.close();
    const err = await failoverConsumer<Job>({ urls: [ns.url], queue, handler: () => {}, giveUpAfterMs: 0 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(QueueUnavailableError);
    expect((err as QueueUnavailableError).failures[0]!.error).toContain(
      `PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue '${queue}' in vhost '/': received the value 'quorum' of type 'longstr' but current is none`,
    );
  });

  it('stops at once when its signal aborts', async () => {
    const p = publisherFor(ns.name('aborted'));
    const controller = new AbortController();
    controller.abort(new Error('shutting down'));
    await expect(p.publish({ n: 1 }, { signal: controller.signal })).rejects.toThrow('shutting down');
    expect(p.node).toBeUndefined(); // it did not even connect
  });
});
