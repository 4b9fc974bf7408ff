// Behaviour against the real broker (POC_STANDARD.md §3): back-off through one TTL'd wait queue per level,
// bounded attempts then parking, timing checked as ORDER and LOWER BOUNDS only (the broker cannot expire a
// message before its queue's TTL), per-message TTL blocking behind a longer one, and the "break it" case:
// immediate requeue calls a failing handler without pause.
import { amqpNamespace, eventually, type AmqpNamespace } from '@poc/harness';
import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  ATTEMPT_HEADER,
  ERROR_HEADER,
  assertRetryQueues,
  delayedRetryConsumer,
  publishWork,
  type DelayedRetryOptions,
  type RetryDelivery,
} from '../src/index.ts';
import { immediateRequeueConsumer, singleWaitQueue } from '../src/naive.ts';
import { depth, drain } from './helpers.ts';

/** Timer granularity allowed below a TTL when comparing two performance.now() readings of this process. */
const TOLERANCE_MS = 5;

let ns: AmqpNamespace;
let conn: ChannelModel;
beforeAll(async () => {
  ns = await amqpNamespace({ name: 'dretry' });
  conn = await ns.connect();
});
afterAll(() => ns?.close());

async function consumer(options: DelayedRetryOptions<{ n: number }>, make = delayedRetryConsumer<{ n: number }>) {
  const c = await make(conn, options);
  onTestFinished(() => c.stop());
  return c;
}

/** Deletes the wait and parking queues too (the namespace knows only names it made). */
function cleanup(queue: string, delays: number[]): void {
  onTestFinished(async () => {
    const ch = await conn.createChannel();
    for (const q of [...delays.map((d) => `${queue}.wait.${d}`), `${queue}.parking`]) await ch.deleteQueue(q);
    await ch.close();
  });
}

describe('retry with back-off through TTL wait queues', () => {
  it('waits at least each level’s TTL between attempts, then parks after maxAttempts with the attempt count', async () => {
    const queue = ns.name('backoff');
    const delays = [50, 100, 200];
    cleanup(queue, delays);
    const calls: Array<{ at: number; d: RetryDelivery }> = [];
    const c = await consumer({
      queue,
      delaysMs: delays,
      maxAttempts: 4,
      handler: (_p, d) => {
        calls.push({ at: performance.now(), d });
        throw new Error(`boom ${d.attempt}`);
      },
    });
    const t0 = Math.floor(Date.now() / 1000);
    await publishWork(conn, queue, { n: 1 }, 'm1');
    await eventually(async () => (await depth(conn, c.queues.parking)) === 1, { what: 'the message parked' });

    expect(calls.map((x) => x.d.attempt)).toEqual([1, 2, 3, 4]);
    const gaps = calls.slice(1).map((x, i) => x.at - calls[i]!.at);
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(delays[i]! - TOLERANCE_MS)); // lower bounds only
    // The broker's own record of the trips: one expiry per wait queue, stamped with its clock (seconds).
    const deaths = calls[3]!.d.deaths;
    expect(deaths.map((x) => [x.queue, x.reason, x.count]).sort()).toEqual(
      c.queues.wait.map((q) => [q, 'expired', 1]).sort(),
    );
    for (const x of deaths) expect(x.time!.getTime() / 1000).toBeGreaterThanOrEqual(t0);

    const [parked] = await drain(conn, c.queues.parking);
    expect(parked!.properties.messageId).toBe('m1');
    expect(parked!.properties.headers).toMatchObject({ [ATTEMPT_HEADER]: 4, [ERROR_HEADER]: 'boom 4' });
    expect(c.stats).toMatchObject({ failures: 4, retried: 3, parked: 1, handled: 0 });
    expect(await depth(conn, queue)).toBe(0);
    for (const w of c.queues.wait) expect(await depth(conn, w)).toBe(0);
  });

  it('a message that succeeds on its third attempt is handled once and never parked', async () => {
    const queue = ns.name('recovers');
    cleanup(queue, [20, 40]);
    let calls = 0;
    const c = await consumer({
      queue,
      delaysMs: [20, 40],
      maxAttempts: 5,
      handler: () => {
        if (++calls < 3) throw new Error('dependency down');
      },
    });
    await publishWork(conn, queue, { n: 1 });
    await eventually(() => c.stats.handled === 1);
    expect(calls).toBe(3);
    expect(c.stats).toMatchObject({ failures: 2, retried: 2, parked: 0 });
    expect(await depth(conn, c.queues.parking)).toBe(0);
  });

  it('per-message TTL in ONE wait queue: a 50 ms message waits behind a 400 ms one; a queue per level does not', async () => {
    // One wait queue, expiration per message: expiry happens only at the head of the queue.
    const target = ns.name('hol_target');
    const waitQ = ns.name('hol_wait');
    const single = await singleWaitQueue(conn, waitQ, target);
    onTestFinished(() => single.close());
    await single.delay({ name: 'long' }, 400);
    await single.delay({ name: 'short' }, 50);
    await eventually(async () => (await depth(conn, target)) === 2, { what: 'both dead-lettered' });
    const singleOrder = (await drain(conn, target)).map(
      (m) => (JSON.parse(m.content.toString()) as { name: string }).name,
    );
    expect(singleOrder).toEqual(['long', 'short']); // the short one came out only after the long one

    // A queue per level, x-message-ttl each: the short one overtakes.
    const work = ns.name('hol_levels');
    cleanup(work, [50, 400]);
    const q = await assertRetryQueues(conn, work, [50, 400]);
    const ch = await conn.createConfirmChannel();
    ch.sendToQueue(q.wait[1]!, Buffer.from(JSON.stringify({ name: 'long' })));
    ch.sendToQueue(q.wait[0]!, Buffer.from(JSON.stringify({ name: 'short' })));
    await ch.waitForConfirms();
    await ch.close();
    await eventually(async () => (await depth(conn, work)) === 2, { what: 'both back in the work queue' });
    const levelOrder = (await drain(conn, work)).map(
      (m) => (JSON.parse(m.content.toString()) as { name: string }).name,
    );
    expect(levelOrder).toEqual(['short', 'long']);
  });

  it('break it: immediate requeue calls a failing handler without pause; back-off calls it maxAttempts times', async () => {
    const delays = [50, 100, 200];
    const patternQueue = ns.name('bk_pattern');
    const naiveQueue = ns.name('bk_naive');
    cleanup(patternQueue, delays);
    let patternCalls = 0;
    let naiveCalls = 0;
    const fail = (count: () => void) => () => {
      count();
      throw new Error('always fails');
    };
    const naive = await consumer(
      { queue: naiveQueue, delaysMs: delays, maxAttempts: 4, handler: fail(() => naiveCalls++) },
      immediateRequeueConsumer,
    );
    const pattern = await consumer({
      queue: patternQueue,
      delaysMs: delays,
      maxAttempts: 4,
      handler: fail(() => patternCalls++),
    });
    await publishWork(conn, naiveQueue, { n: 1 });
    await publishWork(conn, patternQueue, { n: 1 });
    // The window: the time the pattern takes to give up (at least 50 + 100 + 200 ms of back-off).
    await eventually(() => pattern.stats.parked === 1, { what: 'the pattern parked the message' });
    await naive.stop();
    console.log(`in the same window: back-off ${patternCalls} handler calls, immediate requeue ${naiveCalls}`);
    expect(patternCalls).toBe(4);
    expect(naiveCalls).toBeGreaterThan(4 * 10); // an order of magnitude more, and no end in sight
    expect(naive.stats.parked).toBe(0);
  });
});
