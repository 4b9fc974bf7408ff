// What a queue opened here declares and publishes, read back from the shared RabbitMQ (no restart here:
// see faults.test.ts and memory.test.ts, which have nodes of their own).
import { amqpNamespace, eventually, type AmqpNamespace } from '@poc/harness';
import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  DURABLE,
  PublishNotConfirmedError,
  TRANSIENT,
  drainQueue,
  openQueue,
  queueDepth,
  type DurableQueue,
  type QueueOptions,
} from '../src/index.ts';
import { naiveOpenQueue } from '../src/naive.ts';
import { outgoing } from './helpers.ts';

let ns: AmqpNamespace;
let conn: ChannelModel;
beforeAll(async () => {
  ns = await amqpNamespace({ name: 'durability' }); // queue names of its own, deleted afterwards
  conn = await ns.connect();
});
afterAll(() => ns?.close());

async function open(options: QueueOptions, naive = false): Promise<DurableQueue> {
  const q = await (naive ? naiveOpenQueue : openQueue)(conn, options);
  onTestFinished(() => q.close());
  return q;
}

/** Declares `queue` again with other settings: the broker refuses with the difference it sees. */
async function redeclare(queue: string, durable: boolean, args?: Record<string, unknown>): Promise<string> {
  const ch = await conn.createChannel();
  ch.on('error', () => {});
  const err = await ch.assertQueue(queue, { durable, arguments: args }).then(
    () => 'accepted',
    (e: Error) => e.message,
  );
  await ch.close().catch(() => {});
  return err;
}

describe('a queue declared with the durability asked for', () => {
  it('is durable and lazy on the broker when asked, transient when asked (the broker names what differs)', async () => {
    const lazy = await open({ name: ns.name('lazy'), durability: DURABLE, mode: 'lazy' });
    const transient = await open({ name: ns.name('transient'), durability: TRANSIENT });

    expect(await redeclare(lazy.name, false, { 'x-queue-mode': 'lazy' })).toMatch(
      /PRECONDITION_FAILED - inequivalent arg 'durable' .* received 'false' but current is 'true'/,
    );
    expect(await redeclare(lazy.name, true)).toMatch(/PRECONDITION_FAILED - inequivalent arg 'x-queue-mode'/);
    expect(await redeclare(lazy.name, true, { 'x-queue-mode': 'lazy' })).toBe('accepted');
    expect(await redeclare(transient.name, true)).toMatch(/received 'true' but current is 'false'/);
  });

  it('marks messages persistent (delivery mode 2) only when asked; amqplib defaults (the naive queue) do not', async () => {
    const setups: Array<[string, QueueOptions, boolean]> = [
      ['durable', { name: ns.name('p_durable'), durability: DURABLE }, false],
      ['transient messages', { name: ns.name('p_tm'), durability: { ...DURABLE, persistentMessages: false } }, false],
      ['naive', { name: ns.name('p_naive') }, true],
    ];
    const modes: Record<string, boolean[]> = {};
    for (const [label, options, naive] of setups) {
      const q = await open(options, naive);
      await q.publish(outgoing(label, 5));
      await expectDepth(q.name, 5);
      modes[label] = (await drainQueue(conn, q.name)).map((m) => m.persistent);
    }
    expect(modes).toEqual({
      durable: [true, true, true, true, true],
      'transient messages': [false, false, false, false, false],
      naive: [false, false, false, false, false],
    });
  });

  it('with confirms, resolves with every id once the broker confirmed them all, in order', async () => {
    const q = await open({ name: ns.name('confirmed'), window: 7 });
    const sent = outgoing('c', 250);
    const outcome = await q.publish(sent);
    expect(outcome).toEqual({ ids: sent.map((m) => m.id), confirmed: true });
    expect((await drainQueue(conn, q.name)).map((m) => m.id)).toEqual(sent.map((m) => m.id));
  });

  it('rejects with the ids confirmed and the ids not, when the broker nacks (a full queue with reject-publish)', async () => {
    const q = await open({
      name: ns.name('full'),
      arguments: { 'x-max-length': 3, 'x-overflow': 'reject-publish' },
      window: 1,
    });
    const err = await q.publish(outgoing('f', 6)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishNotConfirmedError);
    expect(err).toMatchObject({
      reason: 'nacked',
      confirmed: ['f-0', 'f-1', 'f-2'],
      unconfirmed: ['f-3', 'f-4', 'f-5'],
    });
    expect((err as Error).message).toBe(
      `3 of 6 messages to queue "${q.name}" not confirmed: the broker nacked a message`,
    );
    expect(await queueDepth(conn, q.name)).toBe(3);
  });

  it('stops sending when its signal aborts, waits for the confirms of what went out, then rejects with the reason', async () => {
    const q = await open({ name: ns.name('aborted'), window: 10 });
    const controller = new AbortController();
    const publishing = q.publish(outgoing('a', 1_000), { signal: controller.signal }); // sends the first window at once
    controller.abort(new Error('shutting down'));
    await expect(publishing).rejects.toThrow('shutting down');
    expect(await queueDepth(conn, q.name)).toBe(10);
  });

  it('reports a queue that does not exist as undefined, not as empty', async () => {
    expect(await queueDepth(conn, ns.name('never_declared'))).toBeUndefined();
    const q = await open({ name: ns.name('empty') });
    expect(await queueDepth(conn, q.name)).toBe(0);
  });
});

/** Unconfirmed publishes reach the queue a moment later: wait for the broker to count them. */
async function expectDepth(queue: string, depth: number): Promise<void> {
  await eventually(async () => (await queueDepth(conn, queue)) === depth, { what: `${depth} messages in ${queue}` });
}
