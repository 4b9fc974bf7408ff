import { amqpNamespace, eventually, type AmqpNamespace } from '@poc/harness';
import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
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
    const seen: Array<{ n: number; failedAttempts: number; redelivered: boolean }> = [];
    const errors: string[] = [];
    const w = await worker<Job>(conn, queue, {
      prefetch: 1,
      handler: (job, d) => {
        seen.push({ n: job.n, failedAttempts: d.failedAttempts, redelivered: d.redelivered });
        if (job.n === 0) throw new Error('poison'); // always fails
        if (job.n === 1 && d.failedAttempts === 0) throw new Error('flaky'); // fails the first time only
      },
      onHandlerError: (e) => errors.push((e as Error).message),
    });
    await p.publishAll(jobs(2));
    await p.close();
    await eventually(() => w.stats.acked + w.stats.rejected === 2, { what: 'both messages settled' });
    await w.stop();

    expect(w.stats).toEqual({ received: 4, acked: 1, requeued: 2, rejected: 1 });
    // The retry is a fresh copy carrying the failure count, not a redelivery of the original.
    expect(seen.filter((s) => s.n === 0)).toEqual([
      { n: 0, failedAttempts: 0, redelivered: false },
      { n: 0, failedAttempts: 1, redelivered: false },
    ]);
    expect(seen.filter((s) => s.n === 1)).toEqual([
      { n: 1, failedAttempts: 0, redelivered: false },
      { n: 1, failedAttempts: 1, redelivered: false },
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

  it('counts an ack or a retry only once it was written: handlers that finish after the channel is gone add nothing', async () => {
    const queue = ns.name('stats_gone');
    const p = await publisherFor(queue);
    const own = await ns.connect();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const w = await worker<Job>(own, queue, {
      prefetch: 2,
      concurrency: 2,
      handler: async (job) => {
        await gate;
        if (job.n === 1) throw new Error('fails after the channel is gone');
      },
    });
    await p.publishAll(jobs(2));
    await p.close();
    await eventually(() => w.inFlight === 2, { what: 'both handlers running' });

    await own.close();
    expect(isWorkQueueError(await w.done.catch((e: unknown) => e), 'service')).toBe(true);
    release(); // one handler resolves (its ack cannot be written), the other throws (its retry cannot be written)
    await eventually(() => w.inFlight === 0, { what: 'both handlers finished' });
    expect(w.stats).toEqual({ received: 2, acked: 0, requeued: 0, rejected: 0 });

    const log: Processed[] = [];
    await loggedWorker(conn, queue, 'next', log, { prefetch: 2 });
    await eventually(() => log.length === 2, { what: 'both messages back from the broker' });
    expect(sorted(log.map((e) => e.n))).toEqual(range(2));
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

describe('retries count handler failures, not redeliveries', () => {
  /** A handler body that throws the first time it sees each job (a transient error), and notes how it arrived. */
  function failsOnceEach(): { work: (job: Job, d: Delivery) => void; firstArrival: Map<number, boolean> } {
    const firstArrival = new Map<number, boolean>(); // n -> redelivered flag of its first delivery here
    return {
      firstArrival,
      work: (job, d) => {
        if (firstArrival.has(job.n)) return;
        firstArrival.set(job.n, d.redelivered);
        throw new Error(`transient failure of job ${job.n}`);
      },
    };
  }

  it('loses nothing when a clean stop() handed back prefetched messages and the next worker fails each once (requeue-once)', async () => {
    const queue = ns.name('stop_then_flaky');
    const p = await publisherFor(queue);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const startedByFirst: number[] = [];
    const first = await worker<Job>(conn, queue, {
      prefetch: 10,
      handler: async (job) => {
        startedByFirst.push(job.n);
        await gate;
      },
    });
    await p.publishAll(jobs(10));
    await p.close();
    await eventually(() => first.stats.received === 10 && first.inFlight === 1, {
      what: 'ten prefetched, one running',
    });
    const stopping = first.stop(); // hands the nine unstarted messages back: the broker marks them redelivered
    await eventually(async () => (await queueState(conn, queue)).messageCount === 9, {
      what: 'the nine unstarted messages handed back',
    });
    release();
    await stopping;
    expect(first.stats).toEqual({ received: 10, acked: 1, requeued: 0, rejected: 0 });

    const flaky = failsOnceEach();
    const log: Processed[] = [];
    const next = await loggedWorker(conn, queue, 'next', log, { prefetch: 1, work: flaky.work });
    await eventually(() => next.stats.acked + next.stats.rejected === 9, {
      what: 'the nine handed-back messages settled',
    });
    expect([...flaky.firstArrival.values()]).toEqual(Array(9).fill(true)); // every one arrived redelivered
    expect(next.stats).toEqual({ received: 18, acked: 9, requeued: 9, rejected: 0 });
    expect(sorted([...startedByFirst, ...log.map((e) => e.n)])).toEqual(range(10));
    expect(await queueState(conn, queue)).toMatchObject({ messageCount: 0 });
  });

  it('loses nothing when a lost channel returned prefetched messages and the next worker fails each once (requeue-once)', async () => {
    const queue = ns.name('gone_then_flaky');
    const p = await publisherFor(queue);
    const own = await ns.connect();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = await worker<Job>(own, queue, { prefetch: 10, handler: () => gate });
    await p.publishAll(jobs(10));
    await p.close();
    await eventually(() => first.stats.received === 10 && first.inFlight === 1, {
      what: 'ten prefetched, one running',
    });
    await own.close(); // the broker takes all ten back, redelivered
    await first.done.catch(() => {});
    release();
    await eventually(() => first.inFlight === 0, { what: 'the first worker idle' });

    const flaky = failsOnceEach();
    const log: Processed[] = [];
    const next = await loggedWorker(conn, queue, 'next', log, { prefetch: 1, work: flaky.work });
    await eventually(() => next.stats.acked + next.stats.rejected === 10, { what: 'the ten messages settled' });
    expect([...flaky.firstArrival.values()]).toEqual(Array(10).fill(true));
    expect(next.stats).toEqual({ received: 20, acked: 10, requeued: 10, rejected: 0 });
    expect(sorted(log.map((e) => e.n))).toEqual(range(10));
  });

  it('dead-letters a poison message after its second handler failure, with its messageId and x-failed-attempts 1', async () => {
    const queue = ns.name('poison');
    const dlq = ns.name('poison_dlq');
    const queueArgs = { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': dlq };
    const p = await publisherFor(queue, { arguments: queueArgs });
    await (await publisherFor(dlq)).close();
    const runs: number[] = [];
    const w = await worker<Job>(conn, queue, {
      prefetch: 1,
      arguments: queueArgs,
      handler: (_job, d) => {
        runs.push(d.failedAttempts);
        throw new Error('poison');
      },
    });
    await p.publish({ n: 4 }, { messageId: 'poison' });
    await p.close();
    const dead: Delivery[] = [];
    const reader = await worker<Job>(conn, dlq, { prefetch: 1, handler: (_job, d) => void dead.push(d) });
    onTestFinished(() => reader.stop());
    await eventually(() => dead.length === 1, { what: 'the poison message in the dead-letter queue' });
    await w.stop();
    expect(runs).toEqual([0, 1]);
    expect(w.stats).toEqual({ received: 2, acked: 0, requeued: 1, rejected: 1 });
    expect(dead.map((d) => ({ messageId: d.messageId, failedAttempts: d.failedAttempts }))).toEqual([
      { messageId: 'poison', failedAttempts: 1 },
    ]);
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
