// Behaviour against the shared RabbitMQ (POC_STANDARD.md §3): fair dispatch by prefetch (and the unlimited
// default as the "break it"), what a consumer holds, concurrency within the prefetch, a measured drain, the
// recommendation read off a curve, handler failures and a consumer cancelled by the broker. The counts are
// exact: slow handlers wait for a real condition (the others' progress), never for a duration.
import { amqpNamespace, eventually, type AmqpNamespace } from '@poc/harness';
import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  isPrefetchTuningError,
  measureDrain,
  recommendPrefetch,
  tunedConsumer,
  type TunedConsumer,
} from '../src/index.ts';
import { naiveConsumer } from '../src/naive.ts';
import { depth, jobs, publish, type Job } from './helpers.ts';

let ns: AmqpNamespace;
let conn: ChannelModel;
beforeAll(async () => {
  ns = await amqpNamespace({ name: 'prefetch' }); // queue names of its own, deleted at the end
  conn = await ns.connect();
});
afterAll(() => ns?.close());

const stopAfter = (c: TunedConsumer): TunedConsumer => (onTestFinished(() => c.stop()), c);

/**
 * A fast and a slow consumer, one handler at a time each, subscribed before `total` messages are published.
 * The slow one's handler waits until the fast one has handled every message the slow one was not pushed, so
 * the split is what the broker pushed to each — exact, not a race.
 */
async function fastAndSlow(prefetch: number | 'unlimited (naive)', total: number) {
  const queue = ns.name(`fair_${prefetch === 'unlimited (naive)' ? 'naive' : prefetch}`);
  const handled = { fast: 0, slow: 0 };
  const start = (options: { handler: () => Promise<void> | void }) =>
    prefetch === 'unlimited (naive)'
      ? naiveConsumer<Job>(conn, queue, options)
      : tunedConsumer<Job>(conn, queue, { prefetch, ...options });
  stopAfter(await start({ handler: () => void handled.fast++ }));
  const slow: TunedConsumer = stopAfter(
    await start({
      handler: async () => {
        await eventually(() => slow.stats.received + handled.fast === total, {
          timeoutMs: 30_000,
          what: 'the fast consumer to handle all the slow one was not pushed',
        });
        handled.slow++;
      },
    }),
  );
  await publish(conn, queue, jobs(total));
  await eventually(() => handled.fast + handled.slow === total, { timeoutMs: 30_000, what: `${total} handled` });
  expect(await depth(conn, queue)).toBe(0);
  return handled;
}

describe('fair dispatch: one slow and one fast consumer, 20 messages', () => {
  it.each([
    [1, { fast: 19, slow: 1 }],
    [5, { fast: 15, slow: 5 }],
  ])(
    'with prefetch %i the slow consumer holds only its prefetch; the fast one does the rest',
    async (prefetch, split) => {
      expect(await fastAndSlow(prefetch, 20)).toEqual(split);
    },
  );

  it('break it: with the default unlimited prefetch the broker splits round-robin, 10 and 10, whatever the speed', async () => {
    expect(await fastAndSlow('unlimited (naive)', 20)).toEqual({ fast: 10, slow: 10 });
  });
});

describe('what a consumer holds', () => {
  it('holds exactly its prefetch while busy; a consumer started later gets all the rest', async () => {
    const queue = ns.name('holds');
    await publish(conn, queue, jobs(50));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const busy = stopAfter(await tunedConsumer<Job>(conn, queue, { prefetch: 10, handler: () => gate }));
    onTestFinished(release); // runs before stop(): a failed test must not leave stop() waiting on the gate
    await eventually(() => busy.stats.received === 10, { what: '10 pushed to the busy consumer' });
    const seen: string[] = [];
    const late = stopAfter(
      await tunedConsumer<Job>(conn, queue, { prefetch: 10, handler: (j) => void seen.push(j.id) }),
    );
    await eventually(() => seen.length === 40, { what: 'the 40 the busy consumer was not pushed' });
    expect(busy.stats).toEqual({ received: 10, acked: 0, rejected: 0, requeued: 0 });
    expect(seen).toEqual(
      jobs(50)
        .slice(10)
        .map((j) => j.id),
    );
    release();
    await eventually(() => busy.stats.acked === 10, { what: 'the busy consumer finishing its 10' });
    expect(late.stats.acked + busy.stats.acked).toBe(50);
    expect(await depth(conn, queue)).toBe(0);
  });

  it('runs up to `concurrency` handlers at once, never more, the rest of its prefetch waiting', async () => {
    const queue = ns.name('concurrency');
    await publish(conn, queue, jobs(30));
    let running = 0;
    let peak = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const waits: number[] = [];
    const c = stopAfter(
      await tunedConsumer<Job>(conn, queue, {
        prefetch: 10,
        concurrency: 3,
        handler: async (_job, d) => {
          waits.push(d.waitedMs);
          peak = Math.max(peak, ++running);
          await gate;
          running--;
        },
      }),
    );
    onTestFinished(release);
    await eventually(() => c.stats.received === 10 && running === 3, { what: '10 pushed, 3 handlers running' });
    release();
    await eventually(() => c.stats.acked === 30, { what: 'all 30 handled' });
    expect(peak).toBe(3);
    expect(waits).toHaveLength(30);
  });

  it('stop() gives back what it had not started and waits for the running handler', async () => {
    const queue = ns.name('stop');
    await publish(conn, queue, jobs(8));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const c = await tunedConsumer<Job>(conn, queue, { prefetch: 5, handler: () => gate });
    onTestFinished(release);
    await eventually(() => c.stats.received === 5, { what: '5 pushed' });
    const stopped = c.stop();
    release();
    await stopped;
    await c.done;
    expect(c.stats).toEqual({ received: 5, acked: 1, rejected: 0, requeued: 0 });
    await eventually(async () => (await depth(conn, queue)) === 7, {
      what: 'the 4 unstarted back beside the 3 never sent',
    });
  });
});

describe('failures', () => {
  it('rejects (default) or requeues a message whose handler throws; acks the rest', async () => {
    const queue = ns.name('failures');
    await publish(conn, queue, jobs(4));
    const seen: string[] = [];
    let failedOnce = false;
    const requeuer = await tunedConsumer<Job>(conn, queue, {
      prefetch: 1,
      onFailure: 'requeue',
      handler: (j) => {
        seen.push(j.id);
        if (j.id === 'm1' && !failedOnce) {
          failedOnce = true;
          throw new Error('transient');
        }
      },
    });
    await eventually(() => requeuer.stats.acked === 4, { what: 'all 4 acked' });
    await requeuer.stop();
    expect(requeuer.stats).toEqual({ received: 5, acked: 4, rejected: 0, requeued: 1 });
    expect(seen.filter((id) => id === 'm1')).toHaveLength(2);

    await publish(conn, queue, jobs(1, 'poison'));
    const rejecter = await tunedConsumer<Job>(conn, queue, {
      prefetch: 1,
      handler: () => {
        throw new Error('always');
      },
    });
    await eventually(() => rejecter.stats.rejected === 1, { what: 'the poison message rejected' });
    await rejecter.stop();
    expect(await depth(conn, queue)).toBe(0); // no dead-letter exchange here: rejected is gone
  });

  it('fails `done` with a ServiceError when the broker cancels the consumer (its queue deleted)', async () => {
    const queue = ns.name('deleted');
    await publish(conn, queue, jobs(1));
    const c = stopAfter(await tunedConsumer<Job>(conn, queue, { prefetch: 1, handler: () => {} }));
    await eventually(() => c.stats.acked === 1, { what: 'the message handled' });
    const admin = await conn.createChannel();
    await admin.deleteQueue(queue);
    await admin.close();
    const err = await c.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isPrefetchTuningError(err, 'service')).toBe(true);
    expect((err as Error).message).toBe(`the broker cancelled the consumer of queue "${queue}" (was it deleted?)`);
  });
});

describe('measuring and recommending', () => {
  it('measureDrain: every message handled once, spread over the consumers, nothing redelivered, the queue empty', async () => {
    const queue = ns.name('drain');
    const seen = new Map<string, number>();
    const extra = await ns.connect();
    const result = await measureDrain([conn, extra], {
      queue,
      payloads: jobs(300),
      prefetch: 10,
      consumers: 3,
      handler: (j: Job) => void seen.set(j.id, (seen.get(j.id) ?? 0) + 1),
    });
    expect(seen.size).toBe(300);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(result.messages).toBe(300);
    expect(result.perConsumer).toHaveLength(3);
    expect(result.perConsumer.reduce((a, b) => a + b, 0)).toBe(300);
    expect(result.errors).toBe(0);
    expect(await depth(conn, queue)).toBe(0);
  });

  it.each([
    [
      'the smallest prefetch within 90% of the best',
      [
        { prefetch: 1, msgPerSec: 1000 },
        { prefetch: 10, msgPerSec: 2500 },
        { prefetch: 100, msgPerSec: 2700 },
        { prefetch: 1000, msgPerSec: 2750 },
      ],
      {},
      10,
    ],
    [
      'prefetch 1 when nothing is faster by more than the tolerance (a slow handler)',
      [
        { prefetch: 1000, msgPerSec: 510 },
        { prefetch: 1, msgPerSec: 480 },
        { prefetch: 10, msgPerSec: 505 },
      ],
      {},
      1,
    ],
    [
      'unlimited only when nothing bounded comes close',
      [
        { prefetch: 0, msgPerSec: 1000 },
        { prefetch: 100, msgPerSec: 800 },
      ],
      {},
      0,
    ],
    [
      'the best itself with a tolerance of 1',
      [
        { prefetch: 1, msgPerSec: 990 },
        { prefetch: 10, msgPerSec: 1000 },
        { prefetch: 100, msgPerSec: 1000 },
      ],
      { within: 1 },
      10,
    ],
  ])('recommendPrefetch picks %s', (_what, curve, options, expected) => {
    expect(recommendPrefetch(curve, options)).toBe(expected);
  });
});
