// Faults (POC_STANDARD.md §3). Delivery is at-least-once: publishes are confirmed, persistent, on a durable
// queue; the consumer acks after its handler. So a broker SIGKILLed after the confirms loses nothing and
// still delivers by priority after the restart, and a consumer process SIGKILLed while it holds messages
// gets them redelivered (redelivered = true) — a message whose handler ran but whose ack was not written
// would run twice, which is why handlers must be idempotent (dedupe on messageId).
import { fileURLToPath } from 'node:url';
import { amqpNamespace, eventually, privateRabbitmq, spawnTsWorker } from '@poc/harness';
import amqp from 'amqplib';
import { describe, expect, it, onTestFinished } from 'vitest';
import { isPriorityError, priorityQueue } from '../src/index.ts';

const fixture = fileURLToPath(new URL('./fixtures/holding-consumer.ts', import.meta.url));

interface Job {
  id: string;
}

describe('a broker SIGKILLed (a private server)', () => {
  it('surfaces a ServiceError while it is down; after the restart every confirmed message is there, by priority', async () => {
    const server = await privateRabbitmq();
    onTestFinished(() => server.close());
    // Declare, then a graceful restart, as a deploy would: a declaration made moments before a SIGKILL
    // is not guaranteed to be on disk yet (RabbitMQ 3.10.8 here; see poc-rabbitmq-exchanges' fault test),
    // and its confirmed messages would be lost with it. Confirmed messages are what this test is about.
    const setup = await amqp.connect(server.url);
    for (const queue of ['jobs', 'idle']) await (await priorityQueue(setup, { queue, maxPriority: 10 })).close();
    await setup.close();
    await server.restart();
    const first = await amqp.connect(server.url);
    first.on('error', () => {}); // the kill closes it; calls report that
    onTestFinished(() => first.close().catch(() => {}));
    const q = await priorityQueue(first, { queue: 'jobs', maxPriority: 10 });
    const priorities = Array.from({ length: 60 }, (_, i) => (i * 7) % 10); // 0..9, interleaved
    await q.publish(priorities.map((priority, i) => ({ payload: { id: `m${i}` }, priority, messageId: `m${i}` })));

    const idle = await (
      await priorityQueue(first, { queue: 'idle', maxPriority: 10 })
    ).consume<Job>({ handler: () => {} });

    await server.kill();
    const consumerErr = await idle.done.catch((e: unknown) => e);
    expect(isPriorityError(consumerErr, 'service')).toBe(true);
    expect((consumerErr as Error).message).toBe('the channel consuming queue "idle" closed under the consumer');
    const err = await q.publish([{ payload: { id: 'lost' }, priority: 9 }]).catch((e: unknown) => e);
    expect(isPriorityError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^publishing 1 message to queue "jobs" failed/);

    await server.start();
    const second = await amqp.connect(server.url);
    onTestFinished(() => second.close().catch(() => {}));
    const again = await priorityQueue(second, { queue: 'jobs', maxPriority: 10 });
    onTestFinished(() => again.close());
    expect(await again.depth()).toBe(60);
    const log: Array<{ id: string; priority: number }> = [];
    const c = await again.consume<Job>({ handler: (job, d) => void log.push({ id: job.id, priority: d.priority }) });
    onTestFinished(() => c.stop());
    await eventually(() => log.length === 60, { what: 'the 60 confirmed messages consumed' });
    expect(new Set(log.map((h) => h.id)).size).toBe(60);
    const expected = priorities
      .map((priority, i) => ({ id: `m${i}`, priority }))
      .sort((a, b) => b.priority - a.priority); // stable: FIFO within a level
    expect(log).toEqual(expected);
  });
});

describe('a consumer process SIGKILLed while it holds prefetched messages', () => {
  it('gets all it held redelivered, still behind a higher priority; every confirmed message handled once', async () => {
    const ns = await amqpNamespace({ name: 'priority_crash' });
    onTestFinished(() => ns.close());
    const conn = await ns.connect();
    const queue = ns.name('crash');
    const q = await priorityQueue(conn, { queue, maxPriority: 10 });
    onTestFinished(() => q.close());
    await q.publish(Array.from({ length: 20 }, (_, i) => ({ payload: { id: `b${i}` }, priority: 1 })));

    const proc = spawnTsWorker(fixture, [queue, '5']);
    onTestFinished(() => proc.kill());
    expect(await proc.waitForLine(/^holding /)).toBe('holding 5');
    await q.publish([{ payload: { id: 'urgent' }, priority: 9 }]);
    await proc.kill(); // SIGKILL: no ack, no nack, no close — the broker sees the connection die

    const log: Array<{ id: string; redelivered: boolean }> = [];
    const c = await q.consume<Job>({ handler: (job, d) => void log.push({ id: job.id, redelivered: d.redelivered }) });
    onTestFinished(() => c.stop());
    await eventually(() => log.length === 21, { what: 'all 21 confirmed messages handled' });
    expect(log[0]).toEqual({ id: 'urgent', redelivered: false });
    const backlogIds = Array.from({ length: 20 }, (_, i) => `b${i}`);
    expect(log.slice(1).map((h) => h.id)).toEqual(backlogIds); // the returned 5 go back to the head of their level
    expect(log.filter((h) => h.redelivered).map((h) => h.id)).toEqual(backlogIds.slice(0, 5));
    expect(await q.depth()).toBe(0);
  });
});
