// One private broker for the whole file: a node takes 10-30 s to start on this machine.
import { eventually, privateRabbitmq } from '@poc/harness';
import type { PrivateServer } from '@poc/harness';
import amqp, { type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  PublishNotConfirmedError,
  WorkQueueServiceError,
  publisher,
  worker,
  type PublisherOptions,
} from '../src/index.ts';
import { jobs, loggedWorker, queueState, range, sorted, type Job, type Processed } from './helpers.ts';

let server: PrivateServer;
beforeAll(async () => {
  server = await privateRabbitmq();
});
afterAll(() => server?.close());

async function connect(): Promise<ChannelModel> {
  const c = await amqp.connect(server.url);
  c.on('error', () => {}); // the restart kills this connection; the channels report it
  onTestFinished(() => c.close().catch(() => {}));
  return c;
}

describe('a broker restart (private RabbitMQ)', () => {
  it('keeps every confirmed persistent message of a durable queue, and loses the non-durable and non-persistent ones', async () => {
    const before = await connect();
    const setups: Record<string, PublisherOptions> = {
      durable_persistent: { durable: true, persistent: true },
      transient_queue: { durable: false, persistent: true },
      transient_messages: { durable: true, persistent: false },
    };
    const publishers = await Promise.all(Object.entries(setups).map(([queue, o]) => publisher<Job>(before, queue, o)));
    const confirmed = await Promise.all(publishers.map((p) => p.publishAll(jobs(50)))); // all confirmed by the broker
    const idle = await worker<Job>(before, 'idle', { prefetch: 1, handler: () => {} });
    expect(await queueState(before, 'transient_messages')).toEqual({ messageCount: 50, consumerCount: 0 });

    await server.restart();

    // Everything that was open on the old connection says so instead of pretending.
    const workerErr = await idle.done.catch((e: unknown) => e);
    expect(workerErr).toBeInstanceOf(WorkQueueServiceError);
    expect((workerErr as Error).message).toMatch(
      /^the channel of the worker on queue "idle" closed.*; its unacked messages go back to the queue$/,
    );
    const publishErr = await publishers[0]!.publish({ n: 99 }).catch((e: unknown) => e);
    expect(publishErr).toBeInstanceOf(PublishNotConfirmedError);
    expect(publishErr).toMatchObject({ reason: 'closed' });

    const after = await connect();
    const log: Processed[] = [];
    await loggedWorker(after, 'durable_persistent', 'w', log, { prefetch: 10 });
    await eventually(() => log.length >= 50, { what: '50 messages back after the restart' });
    expect(sorted(log.map((e) => e.n))).toEqual(range(50));
    expect(new Set(log.map((e) => e.messageId))).toEqual(new Set(confirmed[0]));

    // The "break it" half: a confirm only promises what the queue and message settings promise.
    const probe = await after.createChannel();
    probe.on('error', () => {});
    await expect(probe.checkQueue('transient_queue')).rejects.toThrow(/NOT_FOUND - no queue 'transient_queue'/);
    expect(await queueState(after, 'transient_messages')).toEqual({ messageCount: 0, consumerCount: 0 });
  });
});
