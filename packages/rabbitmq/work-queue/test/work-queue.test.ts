import { amqpNamespace, eventually, type AmqpNamespace } from '@poc/harness';
import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PublishNotConfirmedError,
  WorkQueueServiceError,
  isWorkQueueError,
  publisher,
  worker,
  type Delivery,
  type Worker,
} from '../src/index.ts';
import { jobs, loggedWorker, queueState, range, sorted, type Job, type Processed } from './helpers.ts';

let ns: AmqpNamespace;
let conn: ChannelModel;
beforeAll(async () => {
  ns = await amqpNamespace({ name: 'wq' });
  conn = await ns.connect();
});
afterAll(() => ns?.close());

async function publisherFor(queue: string, options = {}) {
  const p = await publisher<Job>(conn, queue, options);
  return p;
}

describe('dispatch across workers', () => {
  it('processes 90 messages over 3 workers exactly once each when nobody dies', async () => {
    const queue = ns.name('three');
    const p = await publisherFor(queue);
    const log: Processed[] = [];
    const workers = await Promise.all(
      ['a', 'b', 'c'].map((label) => loggedWorker(conn, queue, label, log, { prefetch: 5 })),
    );
    const ids = await p.publishAll(jobs(90));
    await p.close();

    await eventually(() => log.length >= 90, { what: '90 messages processed' });
    await Promise.all(workers.map((w) => w.stop()));

    expect(sorted(log.map((e) => e.n))).toEqual(range(90));
    expect(new Set(log.map((e) => e.messageId))).toEqual(new Set(ids));
    expect(log.filter((e) => e.redelivered)).toEqual([]);
    expect(workers.map((w) => w.stats)).toEqual(
      ['a', 'b', 'c'].map((label) => {
        const n = log.filter((e) => e.worker === label).length;
        return { received: n, acked: n, requeued: 0, rejected: 0 };
      }),
    );
    expect(new Set(log.map((e) => e.worker))).toEqual(new Set(['a', 'b', 'c'])); // every worker got a share
    expect(await queueState(conn, queue)).toEqual({ messageCount: 0, consumerCount: 0 });
  });

  // Both workers run one handler at a time. The slow one is slower than all the other work put together:
  // its handler waits until the fast worker has processed every message the slow one was not handed.
  // That makes the counts exact instead of timing-dependent: they show what the broker handed each worker.
  async function fastAndSlow(prefetch: number, total: number): Promise<{ fast: number; slow: number }> {
    const queue = ns.name(`fair_${prefetch}`);
    const p = await publisherFor(queue);
    const log: Processed[] = [];
    const fastDone = (): number => log.filter((e) => e.worker === 'fast').length;
    await loggedWorker(conn, queue, 'fast', log, { prefetch });
    const slow: Worker = await loggedWorker(conn, queue, 'slow', log, {
      prefetch,
      work: async () => {
        await eventually(() => slow.stats.received + fastDone() === total, {
          timeoutMs: 30_000,
          what: 'the fast worker to drain the rest',
        });
      },
    });
    await p.publishAll(jobs(total));
    await p.close();
    await eventually(() => log.length >= total, { timeoutMs: 30_000, what: `${total} messages processed` });
    expect(sorted(log.map((e) => e.n))).toEqual(range(total));
    return { fast: fastDone(), slow: log.filter((e) => e.worker === 'slow').length };
  }

  it('hands a slow worker half the messages up front with unlimited prefetch (unfair dispatch)', async () => {
    const counts = await fastAndSlow(0, 20);
    expect(counts).toEqual({ fast: 10, slow: 10 }); // round-robin, whatever the speed
  });

  it('lets the fast worker do all but one message with prefetch 1 (fair dispatch)', async () => {
    const counts = await fastAndSlow(1, 20);
    expect(counts).toEqual({ fast: 19, slow: 1 });
  });
});

describe('acks, failures and stopping', () => {
  it('requeues a failed message once, then rejects it if it fails again (requeue-once, the default)', async () => {
    const queue = ns.name('requeue_once');
    const p = await publisherFor(queue);
    const seen: Array<{ n: number; redelivered: boolean }> = [];
    const errors: string[] = [];
    const w = await worker<Job>(conn, queue, {
      prefetch: 1,
      handler: (job, d) => {
        seen.push({ n: job.n, redelivered: d.redelivered });
        if (job.n === 0) throw new Error('poison'); // always fails
        if (job.n === 1 && !d.redelivered) throw new Error('flaky'); // fails the first time only
      },
      onHandlerError: (e) => errors.push((e as Error).message),
    });
    await p.publishAll(jobs(2));
    await p.close();
    await eventually(() => w.stats.acked + w.stats.rejected === 2, { what: 'both messages settled' });
    await w.stop();

    expect(w.stats).toEqual({ received: 4, acked: 1, requeued: 2, rejected: 1 });
    expect(seen.filter((s) => s.n === 0)).toEqual([
      { n: 0, redelivered: false },
      { n: 0, redelivered: true },
    ]);
    expect(seen.filter((s) => s.n === 1)).toEqual([
      { n: 1, redelivered: false },
      { n: 1, redelivered: true },
    ]);
    expect(sorted(errors.map((m) => (m === 'poison' ? 0 : 1)))).toEqual([0, 0, 1]);
    expect(await queueState(conn, queue)).toEqual({ messageCount: 0, consumerCount: 0 });
  });

  it('keeps requeueing with onFailure "requeue" until the handler succeeds', async () => {
    const queue = ns.name('requeue');
    const p = await publisherFor(queue);
    let attempts = 0;
    const w = await worker<Job>(conn, queue, {
      prefetch: 1,
      onFailure: 'requeue',
      handler: () => {
        attempts++;
        if (attempts <= 3) throw new Error(`attempt ${attempts}`);
      },
    });
    await p.publish({ n: 7 });
    await p.close();
    await eventually(() => w.stats.acked === 1, { what: 'the message acked' });
    await w.stop();
    expect(attempts).toBe(4);
    expect(w.stats).toEqual({ received: 4, acked: 1, requeued: 3, rejected: 0 });
  });

  it('rejects at once with onFailure "reject", which dead-letters the message when the queue has a DLX', async () => {
    const queue = ns.name('reject');
    const dlq = ns.name('reject_dlq');
    const queueArgs = { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': dlq };
    const p = await publisherFor(queue, { arguments: queueArgs });
    await (await publisherFor(dlq)).close();
    const w = await worker<Job>(conn, queue, {
      prefetch: 1,
      onFailure: 'reject',
      arguments: queueArgs,
      handler: () => {
        throw new Error('no');
      },
    });
    const id = await p.publish({ n: 3 });
    await p.close();
    const dead: Processed[] = [];
    await loggedWorker(conn, dlq, 'dlq', dead, { prefetch: 1 });
    await eventually(() => dead.length === 1, { what: 'the rejected message in the dead-letter queue' });
    await w.stop();
    expect(w.stats).toEqual({ received: 1, acked: 0, requeued: 0, rejected: 1 });
    expect(dead).toEqual([{ worker: 'dlq', messageId: id, n: 3, redelivered: false }]);
  });

  it('rejects a message that is not JSON without calling the handler', async () => {
    const queue = ns.name('garbage');
    const p = await publisherFor(queue);
    await p.close();
    const raw = await conn.createConfirmChannel();
    raw.sendToQueue(queue, Buffer.from('{not json'), { messageId: 'garbage', persistent: true });
    await raw.waitForConfirms();
    await raw.close();
    let called = 0;
    const seen: Delivery[] = [];
    const w = await worker<Job>(conn, queue, {
      prefetch: 1,
      handler: () => void called++,
      onHandlerError: (_e, d) => seen.push(d),
    });
    await eventually(() => w.stats.rejected === 1, { what: 'the garbage rejected' });
    await w.stop();
    expect(called).toBe(0);
    expect(seen.map((d) => d.messageId)).toEqual(['garbage']);
    expect(await queueState(conn, queue)).toEqual({ messageCount: 0, consumerCount: 0 });
  });

  it('stop() cancels the consumer, hands back prefetched messages at once, and waits for the running handler to ack', async () => {
    const queue = ns.name('stop');
    const p = await publisherFor(queue);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    const w = await worker<Job>(conn, queue, {
      prefetch: 3,
      concurrency: 1,
      handler: async () => {
        started++;
        await gate;
      },
    });
    await p.publishAll(jobs(5));
    await p.close();
    await eventually(() => w.stats.received === 3, { what: 'three messages prefetched' });
    expect({ state: w.state, inFlight: w.inFlight, waiting: w.waiting }).toEqual({
      state: 'running',
      inFlight: 1,
      waiting: 2,
    });

    let stopped = false;
    const stopping = w.stop().then(() => (stopped = true));
    await eventually(async () => (await queueState(conn, queue)).consumerCount === 0, {
      what: 'the consumer cancelled',
    });
    await eventually(async () => (await queueState(conn, queue)).messageCount === 4, {
      what: 'the two waiting messages handed back',
    });
    expect(stopped).toBe(false); // the handler still holds its message
    expect(w.waiting).toBe(0);
    expect(w.state).toBe('stopping');
    release();
    await stopping;
    await w.done;
    expect(w.state).toBe('stopped');

    expect(started).toBe(1);
    expect(w.stats).toEqual({ received: 3, acked: 1, requeued: 0, rejected: 0 });
    expect(await queueState(conn, queue)).toEqual({ messageCount: 4, consumerCount: 0 }); // for the next worker
  });

  it('stops handling prefetched messages once its channel is gone, and the broker requeues them', async () => {
    const queue = ns.name('channel_gone');
    const p = await publisherFor(queue);
    const own = await ns.connect();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    const w = await worker<Job>(own, queue, {
      prefetch: 3,
      concurrency: 1,
      handler: async () => {
        started++;
        await gate;
      },
    });
    await p.publishAll(jobs(5));
    await p.close();
    await eventually(() => w.stats.received === 3 && w.inFlight === 1, { what: 'three prefetched, one running' });

    await own.close(); // the channel goes with its connection: the broker takes the three unacked messages back
    const err = await w.done.catch((e: unknown) => e);
    expect(isWorkQueueError(err, 'service')).toBe(true);
    expect(w.state).toBe('failed');
    release(); // the running handler finishes; its ack cannot be written
    await eventually(() => w.inFlight === 0 && w.waiting === 0, { what: 'the worker idle' });
    expect(started).toBe(1); // the two prefetched messages were not handled on a channel that could not ack them
    await w.stop();
    expect(w.state).toBe('failed'); // stop() cleans up; it does not turn a failure into a clean stop

    const log: Processed[] = [];
    await loggedWorker(conn, queue, 'next', log, { prefetch: 5 });
    await eventually(() => log.length === 5, { what: 'all five messages processed by the next worker' });
    expect(sorted(log.map((e) => e.n))).toEqual(range(5));
  });

  it('rejects worker.done with WorkQueueServiceError when the queue is deleted under it', async () => {
    const queue = ns.name('deleted');
    const w = await worker<Job>(conn, queue, { prefetch: 1, handler: () => {} });
    const admin = await conn.createChannel();
    await admin.deleteQueue(queue);
    await admin.close();
    const err = await w.done.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkQueueServiceError);
    expect((err as Error).message).toBe(
      `the broker cancelled the consumer on queue "${queue}" (was the queue deleted?)`,
    );
    expect(w.state).toBe('failed');
    await w.stop();
    expect(w.state).toBe('failed');
  });

  it('fails with WorkQueueServiceError when a worker declares an existing durable queue as non-durable', async () => {
    const queue = ns.name('mismatch');
    await (await publisherFor(queue)).close();
    const err = await worker<Job>(conn, queue, { prefetch: 1, durable: false, handler: () => {} }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkQueueServiceError);
    expect((err as Error).message).toMatch(
      new RegExp(`^declaring queue "${queue}" failed: .*PRECONDITION_FAILED - inequivalent arg 'durable'`),
    );
  });
});

describe('publisher confirms', () => {
  it('rejects with reason "nacked" when the broker refuses the message (full queue, x-overflow reject-publish)', async () => {
    const queue = ns.name('full');
    const p = await publisherFor(queue, { arguments: { 'x-max-length': 2, 'x-overflow': 'reject-publish' } });
    const a = await p.publish({ n: 0 });
    const b = await p.publish({ n: 1 });
    const err = await p.publish({ n: 2 }, { messageId: 'third' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishNotConfirmedError);
    expect(isWorkQueueError(err, 'not-confirmed')).toBe(true);
    expect(err).toMatchObject({ reason: 'nacked', messageIds: ['third'] });
    expect((err as Error).message).toBe(
      `publishing message third to queue "${queue}" was not confirmed: the broker nacked it`,
    );

    const batchErr = (await p.publishAll(jobs(3)).catch((e: unknown) => e)) as PublishNotConfirmedError;
    expect(batchErr.reason).toBe('nacked');
    expect(batchErr.messageIds).toHaveLength(3);
    await p.close();

    const log: Processed[] = [];
    await loggedWorker(conn, queue, 'w', log, {
      prefetch: 1,
      arguments: { 'x-max-length': 2, 'x-overflow': 'reject-publish' },
    });
    await eventually(() => log.length === 2, { what: 'the two confirmed messages' });
    expect(log.map((e) => e.messageId)).toEqual([a, b]);
  });

  it('rejects with reason "unroutable" instead of confirming a message no queue took', async () => {
    const queue = ns.name('gone');
    const p = await publisherFor(queue);
    const admin = await conn.createChannel();
    await admin.deleteQueue(queue);
    await admin.close();
    const err = await p.publish({ n: 1 }, { messageId: 'lost' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'not-confirmed', reason: 'unroutable', messageIds: ['lost'] });
    await p.close();
  });

  it('rejects with reason "closed" when the connection is gone', async () => {
    const own = await ns.connect();
    const p = await publisher<Job>(own, ns.name('closed'));
    await own.close();
    const err = await p.publish({ n: 1 }, { messageId: 'late' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'not-confirmed', reason: 'closed', messageIds: ['late'] });
    expect((err as Error).message).toBe(
      `publishing message late to queue "${ns.name('closed')}" was not confirmed: the channel closed before the broker confirmed it (it may or may not have been stored)`,
    );
    await p.close();
  });

  it('resolves publish() without waiting for the broker when confirms are off', async () => {
    const queue = ns.name('fire_and_forget');
    const p = await publisherFor(queue, { confirms: false });
    expect(p.confirms).toBe(false);
    const ids = await p.publishAll(jobs(5));
    await p.close();
    await eventually(async () => (await queueState(conn, queue)).messageCount === 5, {
      what: '5 messages in the queue',
    });
    expect(ids).toHaveLength(5);
  });
});
