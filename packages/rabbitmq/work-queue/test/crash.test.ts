import { fileURLToPath } from 'node:url';
import { amqpNamespace, eventually, spawnTsWorker, type AmqpNamespace } from '@poc/harness';
import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { publisher } from '../src/index.ts';
import { jobs, loggedWorker, queueState, range, sorted, type Job, type Processed } from './helpers.ts';

const fixture = fileURLToPath(new URL('./fixtures/crashing-worker.ts', import.meta.url));

let ns: AmqpNamespace;
let conn: ChannelModel;
beforeAll(async () => {
  ns = await amqpNamespace({ name: 'crash' });
  conn = await ns.connect();
});
afterAll(() => ns?.close());

/** Starts the fixture process, waits until it consumes, publishes 6 jobs and returns the id it took. */
async function crashingWorker(mode: 'manual' | 'auto-ack', queue: string) {
  const p = await publisher<Job>(conn, queue);
  const proc = spawnTsWorker(fixture, [mode, queue]);
  onTestFinished(() => proc.kill());
  await proc.waitForLine('ready');
  const ids = await p.publishAll(jobs(6));
  await p.close();
  const taken = (await proc.waitForLine(/^took /)).slice('took '.length);
  return { proc, ids, taken };
}

describe('a worker process killed mid-message', () => {
  it('gets its unacked message redelivered (redelivered = true) to another worker; none lost, none twice', async () => {
    const queue = ns.name('manual');
    const { proc, ids, taken } = await crashingWorker('manual', queue);
    expect(ids).toContain(taken);

    const log: Processed[] = [];
    await loggedWorker(conn, queue, 'a', log, { prefetch: 1 });
    await loggedWorker(conn, queue, 'b', log, { prefetch: 1 });
    await eventually(() => log.length === 5, { what: 'the other 5 messages processed' });
    expect(log.map((e) => e.messageId)).not.toContain(taken); // still held, unacked, by the doomed process

    await proc.kill(); // SIGKILL: no ack, no nack, no channel close — the broker sees the TCP connection die
    await eventually(() => log.length === 6, { what: "the killed worker's message redelivered" });

    expect(sorted(log.map((e) => e.n))).toEqual(range(6));
    expect(new Set(log.map((e) => e.messageId))).toEqual(new Set(ids));
    expect(log.filter((e) => e.redelivered).map((e) => e.messageId)).toEqual([taken]);
    expect(await queueState(conn, queue)).toMatchObject({ messageCount: 0 });
  });

  it('breaks with auto-ack (noAck): the message it was working on is gone for good', async () => {
    const queue = ns.name('auto_ack');
    const { proc, ids, taken } = await crashingWorker('auto-ack', queue);
    await proc.kill();
    await eventually(async () => (await queueState(conn, queue)).consumerCount === 0, {
      what: 'the dead consumer gone',
    });
    const left = (await queueState(conn, queue)).messageCount;

    const log: Processed[] = [];
    await loggedWorker(conn, queue, 'rescuer', log, { prefetch: 1 });
    await eventually(() => log.length === left, { what: `the ${left} messages the broker still had` });

    expect(left).toBeLessThan(ids.length); // at least one message was pushed to the dead process and is lost
    expect(log.map((e) => e.messageId)).not.toContain(taken);
    expect(log.filter((e) => e.redelivered)).toEqual([]); // nothing came back
  });
});
