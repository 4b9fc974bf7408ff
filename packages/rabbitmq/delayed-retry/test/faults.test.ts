// A consumer process SIGKILLed while it holds a message (POC_STANDARD.md §3): the message was neither
// acked nor re-published, so the broker redelivers it; a crash is not a handler failure, so the attempt
// count is unchanged and nothing is parked. Every confirmed message is handled.
import { fileURLToPath } from 'node:url';
import { amqpNamespace, eventually, spawnTsWorker, type AmqpNamespace } from '@poc/harness';
import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { delayedRetryConsumer, publishWork } from '../src/index.ts';
import { depth } from './helpers.ts';

const fixture = fileURLToPath(new URL('./fixtures/holding-consumer.ts', import.meta.url));

let ns: AmqpNamespace;
let conn: ChannelModel;
beforeAll(async () => {
  ns = await amqpNamespace({ name: 'dretry_faults' });
  conn = await ns.connect();
});
afterAll(() => ns?.close());

describe('a consumer process SIGKILLed mid-message', () => {
  it('gets the message redelivered to another consumer at the same attempt; all confirmed messages handled', async () => {
    const queue = ns.name('crash');
    onTestFinished(async () => {
      const ch = await conn.createChannel();
      for (const q of [`${queue}.wait.30`, `${queue}.parking`]) await ch.deleteQueue(q);
      await ch.close();
    });
    const proc = spawnTsWorker(fixture, [queue, '30']);
    onTestFinished(() => proc.kill());
    await proc.waitForLine('ready');
    for (let i = 0; i < 5; i++) await publishWork(conn, queue, { n: i }, `m${i}`);
    const took = await proc.waitForLine(/^took /);
    expect(took).toBe('took m0 attempt 1');

    const seen: Array<[string, number]> = [];
    let failedOnce = false;
    const c = await delayedRetryConsumer<{ n: number }>(conn, {
      queue,
      delaysMs: [30],
      handler: (_p, d) => {
        seen.push([d.messageId!, d.attempt]);
        if (d.messageId === 'm3' && !failedOnce) {
          failedOnce = true;
          throw new Error('transient');
        }
      },
    });
    onTestFinished(() => c.stop());
    await eventually(() => c.stats.handled === 4, { what: 'the 4 messages the dead process did not hold' });
    await proc.kill();
    await eventually(() => c.stats.handled === 5, { what: 'the held message redelivered and handled' });

    expect(seen.filter(([id]) => id === 'm0')).toEqual([['m0', 1]]); // the crash did not count as an attempt
    expect(seen.filter(([id]) => id === 'm3')).toEqual([
      ['m3', 1],
      ['m3', 2],
    ]);
    expect(new Set(seen.map(([id]) => id))).toEqual(new Set(['m0', 'm1', 'm2', 'm3', 'm4']));
    expect(c.stats).toMatchObject({ handled: 5, parked: 0 });
    expect(await depth(conn, queue)).toBe(0);
    expect(await depth(conn, `${queue}.parking`)).toBe(0);
  });
});
