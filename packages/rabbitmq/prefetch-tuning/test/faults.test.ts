// Faults (POC_STANDARD.md §3). Delivery is at-least-once: messages are persistent and confirmed on a durable
// queue, the consumer acks after its handler. A consumer process SIGKILLed while it holds its prefetch gets
// every one of those messages redelivered (redelivered = true) — the bigger the prefetch, the bigger the
// batch that comes back, and a handler that ran but whose ack was not written runs again (make handlers
// idempotent). A broker SIGKILLed under a consumer fails the consumer's `done` with a ServiceError, and after
// the restart every message that was not acked is still there.
import { fileURLToPath } from 'node:url';
import { amqpNamespace, eventually, privateRabbitmq, spawnTsWorker } from '@poc/harness';
import amqp from 'amqplib';
import { describe, expect, it, onTestFinished } from 'vitest';
import { isPrefetchTuningError, tunedConsumer } from '../src/index.ts';
import { depth, jobs, publish, type Job } from './helpers.ts';

const fixture = fileURLToPath(new URL('./fixtures/holding-consumer.ts', import.meta.url));

describe('a consumer process SIGKILLed while it holds its prefetch', () => {
  it('gets all 25 it held redelivered to the survivor; all 100 confirmed messages handled exactly once', async () => {
    const ns = await amqpNamespace({ name: 'prefetch_crash' });
    onTestFinished(() => ns.close());
    const conn = await ns.connect();
    const queue = ns.name('crash');
    await publish(conn, queue, jobs(100));

    const proc = spawnTsWorker(fixture, [queue, '25']);
    onTestFinished(() => proc.kill());
    expect(await proc.waitForLine(/^holding /)).toBe('holding 25');

    const log: Array<{ id: string; redelivered: boolean }> = [];
    const survivor = await tunedConsumer<Job>(conn, queue, {
      prefetch: 10,
      handler: (j, d) => void log.push({ id: j.id, redelivered: d.redelivered }),
    });
    onTestFinished(() => survivor.stop());
    await eventually(() => log.length === 75, { what: 'the 75 the doomed consumer did not hold' });
    expect(log.some((h) => h.redelivered)).toBe(false);

    await proc.kill(); // SIGKILL: no ack, no nack, no close — the broker sees the connection die
    await eventually(() => log.length === 100, { what: 'the 25 held messages redelivered and handled' });
    const ids = jobs(100).map((j) => j.id);
    expect(new Set(log.map((h) => h.id))).toEqual(new Set(ids));
    expect(log).toHaveLength(100); // none twice
    expect(log.filter((h) => h.redelivered).map((h) => h.id)).toEqual(ids.slice(0, 25));
    expect(await depth(conn, queue)).toBe(0);
  });
});

describe('a broker SIGKILLed under a consumer (a private server)', () => {
  it('fails `done` with a ServiceError; after the restart every unacked message is there, acked ones at most as duplicates', async () => {
    const server = await privateRabbitmq();
    onTestFinished(() => server.close());
    // Declare, then a graceful restart, as a deploy would: a declaration made moments before a SIGKILL
    // is not guaranteed to be on disk yet (RabbitMQ 3.10.8 here; see poc-rabbitmq-exchanges' fault test),
    // and its confirmed messages would be lost with it. Confirmed messages are what this test is about.
    const setup = await amqp.connect(server.url);
    await publish(setup, 'work', []);
    await setup.close();
    await server.restart();
    const first = await amqp.connect(server.url);
    first.on('error', () => {}); // the kill closes it; `done` reports that
    onTestFinished(() => first.close().catch(() => {}));
    await publish(first, 'work', jobs(30));

    const handled: string[] = [];
    const c = await tunedConsumer<Job>(first, 'work', {
      prefetch: 5,
      handler: async (j) => {
        if (handled.length === 10) await new Promise<void>(() => {}); // the 11th never finishes
        handled.push(j.id);
      },
    });
    // 10 acked and 5 held: the broker pushes message k + 5 only after the ack of message k.
    await eventually(() => handled.length === 10 && c.stats.received === 15, { what: '10 acked, 5 held' });
    await server.kill();
    const err = await c.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isPrefetchTuningError(err, 'service')).toBe(true);
    expect((err as Error).message).toBe('the channel consuming queue "work" closed under the consumer');

    await server.start();
    const second = await amqp.connect(server.url);
    onTestFinished(() => second.close().catch(() => {}));
    const after: string[] = [];
    const rescuer = await tunedConsumer<Job>(second, 'work', { prefetch: 10, handler: (j) => void after.push(j.id) });
    onTestFinished(() => rescuer.stop());
    const unacked = jobs(30)
      .slice(10)
      .map((j) => j.id);
    await eventually(() => unacked.every((id) => after.includes(id)), { what: 'the 20 unacked messages consumed' });
    // An ack is a one-way frame: one still unwritten to the broker's disk at the kill brings its message back.
    const duplicates = after.filter((id) => !unacked.includes(id));
    expect(duplicates.every((id) => handled.includes(id))).toBe(true);
    expect(after).toHaveLength(20 + duplicates.length);
  });
});
