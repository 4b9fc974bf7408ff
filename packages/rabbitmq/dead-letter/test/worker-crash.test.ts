// A worker SIGKILLed while it holds a message is not a rejection: the broker takes the message back and
// hands it out again — forever on a classic queue, at most x-delivery-limit more times on a quorum queue,
// which then parks it. That is the only thing that stops a message which crashes its worker every time.
import { fileURLToPath } from 'node:url';
import { amqpNamespace, eventually, spawnTsWorker, type AmqpNamespace } from '@poc/harness';
import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { declareDeadLettering, type DeadLetterOptions } from '../src/index.ts';
import { depth, sender, takeAll, timeless } from './helpers.ts';

const fixture = fileURLToPath(new URL('./fixtures/holding-worker.ts', import.meta.url));

let ns: AmqpNamespace;
let conn: ChannelModel;
beforeAll(async () => {
  ns = await amqpNamespace({ name: 'dl_faults' });
  conn = await ns.connect();
});
afterAll(() => ns?.close());

/** Starts a worker process on `queue`, waits for it to take the message, SIGKILLs it; returns what it printed. */
async function crashOnce(queue: string): Promise<string> {
  const proc = spawnTsWorker(fixture, [queue]);
  onTestFinished(() => proc.kill());
  const took = await proc.waitForLine(/^took /);
  await proc.kill(); // no ack, no nack: the broker sees the connection die and takes the message back
  return took;
}

describe('a worker SIGKILLed while it holds a message (a message that crashes its worker)', () => {
  it('is parked by a quorum queue once the returns exceed x-delivery-limit (reason delivery_limit)', async () => {
    const options: DeadLetterOptions = {
      queue: ns.name('crash_qq'),
      parkingQueue: ns.name('crash_qq_parked'),
      type: 'quorum',
      deliveryLimit: 1,
    };
    const t = await declareDeadLettering(conn, options);
    await (await sender(conn)).send('', t.queue, 'crasher');

    expect(await crashOnce(t.queue)).toBe('took crasher delivery-count=none redelivered=false');
    expect(await crashOnce(t.queue)).toBe('took crasher delivery-count=1 redelivered=true');
    await eventually(async () => (await depth(conn, t.parkingQueue)) === 1, { what: 'the crasher parked' });

    const [parked] = await takeAll(conn, t.parkingQueue);
    expect(parked!.history.deaths.map(timeless)).toEqual([
      { reason: 'delivery_limit', count: 1, queue: t.queue, exchange: '', routingKeys: [t.queue] },
    ]);
    expect(await depth(conn, t.queue)).toBe(0);
  });

  it('comes back to a classic queue after every crash: no count, no limit, never parked', async () => {
    const t = await declareDeadLettering(conn, {
      queue: ns.name('crash_classic'),
      parkingQueue: ns.name('crash_classic_parked'),
    });
    await (await sender(conn)).send('', t.queue, 'crasher');

    expect(await crashOnce(t.queue)).toBe('took crasher delivery-count=none redelivered=false');
    expect(await crashOnce(t.queue)).toBe('took crasher delivery-count=none redelivered=true');
    expect(await crashOnce(t.queue)).toBe('took crasher delivery-count=none redelivered=true');
    await eventually(async () => (await depth(conn, t.queue)) === 1, { what: 'the crasher back in the queue' });
    expect(await depth(conn, t.parkingQueue)).toBe(0);
  });
});
