// Behaviour against the shared RabbitMQ (POC_STANDARD.md §3): the order the broker delivers a backlog in,
// a high-priority message overtaking a backlog (and not, on a plain queue: the "break it"), how much of
// the backlog prefetch lets through first, priorities above the max, and handler failures. The counts are
// exact: the consumer's first handler is held until the broker has pushed all that the prefetch allows and
// the urgent message is confirmed, so what the broker could still reorder is fixed, not timing-dependent.
import { amqpNamespace, eventually, type AmqpNamespace } from '@poc/harness';
import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { priorityQueue, type PriorityConsumer, type PriorityQueue } from '../src/index.ts';
import { naivePriorityQueue } from '../src/naive.ts';

let ns: AmqpNamespace;
let conn: ChannelModel;
beforeAll(async () => {
  ns = await amqpNamespace({ name: 'priority' }); // queue names of its own, deleted at the end
  conn = await ns.connect();
});
afterAll(() => ns?.close());

interface Job {
  id: string;
}
interface Handled {
  id: string;
  priority: number;
}

async function open(make: typeof priorityQueue, base: string, maxPriority = 10): Promise<PriorityQueue> {
  const q = await make(conn, { queue: ns.name(base), maxPriority });
  onTestFinished(() => q.close());
  return q;
}

/** A consumer that logs what it handled, in order; stopped after the test. */
async function logging(
  q: PriorityQueue,
  log: Handled[],
  prefetch: number,
  before?: () => Promise<void>,
): Promise<PriorityConsumer> {
  const c = await q.consume<Job>({
    prefetch,
    handler: async (job, d) => {
      await before?.();
      log.push({ id: job.id, priority: d.priority });
    },
  });
  onTestFinished(() => c.stop());
  return c;
}

const backlog = (count: number, priority: number) =>
  Array.from({ length: count }, (_, i) => ({ payload: { id: `b${i}` }, priority, messageId: `b${i}` }));

/**
 * A backlog of `size` low-priority messages; a consumer with `prefetch` whose first handler is held until
 * the broker has pushed it all it may (min(prefetch, size), or all for 0) and an urgent message (priority 9)
 * is confirmed. Returns how many backlog messages were handled before the urgent one.
 */
async function overtake(make: typeof priorityQueue, base: string, prefetch: number, size: number) {
  const q = await open(make, base);
  await q.publish(backlog(size, 1));
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const log: Handled[] = [];
  const c = await logging(q, log, prefetch, () => gate);
  onTestFinished(release); // hooks run last-registered first: a failed test must not leave stop() waiting on the gate
  const pushed = prefetch === 0 ? size : Math.min(prefetch, size);
  await eventually(() => c.stats.received === pushed, { what: `${pushed} messages pushed to the consumer` });
  await q.publish([{ payload: { id: 'urgent' }, priority: 9 }]);
  release();
  await eventually(() => log.length === size + 1, { what: `all ${size + 1} messages handled` });
  expect(c.stats).toMatchObject({ acked: size + 1, rejected: 0, requeued: 0 });
  expect(await q.depth()).toBe(0);
  return { before: log.findIndex((h) => h.id === 'urgent'), log };
}

describe('a priority queue (x-max-priority)', () => {
  it('delivers a backlog highest priority first, first-in first-out within a priority', async () => {
    const q = await open(priorityQueue, 'order');
    const priorities = [0, 5, 2, 5, 9, 0, 2, 9, 1, 5];
    await q.publish(priorities.map((priority, i) => ({ payload: { id: `m${i}` }, priority })));
    const log: Handled[] = [];
    await logging(q, log, 1);
    await eventually(() => log.length === priorities.length, { what: 'the backlog handled' });
    expect(log).toEqual([
      { id: 'm4', priority: 9 },
      { id: 'm7', priority: 9 },
      { id: 'm1', priority: 5 },
      { id: 'm3', priority: 5 },
      { id: 'm9', priority: 5 },
      { id: 'm2', priority: 2 },
      { id: 'm6', priority: 2 },
      { id: 'm8', priority: 1 },
      { id: 'm0', priority: 0 },
      { id: 'm5', priority: 0 },
    ]);
  });

  it('break it: an urgent message behind 50 queued ones is handled next with x-max-priority, last on a plain queue', async () => {
    const pattern = await overtake(priorityQueue, 'break_pattern', 1, 50);
    const naive = await overtake(naivePriorityQueue, 'break_naive', 1, 50);
    // Prefetch 1: only the message in the handler when the urgent one arrived goes first.
    expect(pattern.before).toBe(1);
    // The plain queue keeps the priority property but ignores it: the urgent message waits for all 50.
    expect(naive.before).toBe(50);
    expect(naive.log.at(-1)).toEqual({ id: 'urgent', priority: 9 });
  });

  it.each([
    ['1', 1, 1],
    ['10', 10, 10],
    ['25', 25, 25],
    ['100', 100, 50],
    ['unlimited (0)', 0, 50], // the whole backlog is in the consumer before the urgent message exists
  ])(
    'with prefetch %s, %i of a 50-message backlog are handled before an urgent message (what the consumer already holds)',
    async (_label, prefetch, expected) => {
      const { before, log } = await overtake(priorityQueue, `prefetch_${prefetch}`, prefetch, 50);
      expect(before).toBe(expected);
      // What came before it is the backlog in its own order; nothing the broker still held overtook it.
      expect(log.slice(0, before).map((h) => h.id)).toEqual(backlog(expected, 1).map((m) => m.messageId));
    },
  );

  it('caps a priority above x-max-priority at the max: 9 on a max-5 queue ranks equal to 5, not above it', async () => {
    const messages = [
      { payload: { id: 'p5 first' }, priority: 5 },
      { payload: { id: 'p9 second' }, priority: 9 },
      { payload: { id: 'p4 third' }, priority: 4 },
    ];
    const capped = await open(priorityQueue, 'cap5', 5);
    const roomy = await open(priorityQueue, 'cap10', 10);
    await capped.publish(messages);
    await roomy.publish(messages);
    const cappedLog: Handled[] = [];
    const roomyLog: Handled[] = [];
    await logging(capped, cappedLog, 1);
    await logging(roomy, roomyLog, 1);
    await eventually(() => cappedLog.length === 3 && roomyLog.length === 3, { what: 'both queues drained' });
    expect(cappedLog.map((h) => h.id)).toEqual(['p5 first', 'p9 second', 'p4 third']); // 9 -> 5: FIFO with the 5
    expect(roomyLog.map((h) => h.id)).toEqual(['p9 second', 'p5 first', 'p4 third']); // the control: 9 > 5
    expect(cappedLog[1]!.priority).toBe(9); // the property is delivered as published; only its rank is capped
  });
});

describe('acks and failures', () => {
  it('acks after the handler; a throwing handler rejects (default) or requeues, and stop() gives back what it had not started', async () => {
    const q = await open(priorityQueue, 'failures');
    await q.publish([
      { payload: { id: 'bad' }, priority: 3 },
      { payload: { id: 'ok' }, priority: 1 },
    ]);
    const seen: string[] = [];
    let failedOnce = false;
    const requeuer = await q.consume<Job>({
      onFailure: 'requeue',
      handler: (job) => {
        seen.push(job.id);
        if (job.id === 'bad' && !failedOnce) {
          failedOnce = true;
          throw new Error('transient');
        }
      },
    });
    await eventually(() => requeuer.stats.acked === 2, { what: 'both handled' });
    await requeuer.stop();
    // The requeued message went back to its level, still ahead of the lower priority.
    expect(seen).toEqual(['bad', 'bad', 'ok']);
    expect(requeuer.stats).toEqual({ received: 3, acked: 2, rejected: 0, requeued: 1 });

    await q.publish([{ payload: { id: 'poison' }, priority: 3 }]);
    const rejecter = await q.consume<Job>({
      handler: () => {
        throw new Error('always');
      },
    });
    await eventually(() => rejecter.stats.rejected === 1, { what: 'the poison message rejected' });
    await rejecter.stop();
    expect(await q.depth()).toBe(0); // no dead-letter exchange on this queue: rejected means gone

    await q.publish(backlog(5, 1));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const holder = await q.consume<Job>({ prefetch: 5, handler: () => gate });
    await eventually(() => holder.stats.received === 5, { what: '5 messages pushed' });
    const stopped = holder.stop();
    release();
    await stopped;
    expect(holder.stats).toEqual({ received: 5, acked: 1, rejected: 0, requeued: 0 });
    // The 4 it had not started are back in the queue.
    await eventually(async () => (await q.depth()) === 4, { what: 'the 4 unstarted messages back in the queue' });
  });
});
