// A consumer reads a batch and runs its handler on one message at a time: what happens to the messages
// still waiting in the batch. Time as Redis sees it (a pending message's idle time) is moved forward
// with XCLAIM ... IDLE, the server's own clock for claims, so no test waits for a window to pass.
import { eventually, redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  consume,
  ensureGroup,
  pendingSummary,
  readDeadLetters,
  streamProducer,
  type ConsumeOptions,
  type ConsumeStats,
} from '../src/index.ts';

let ns: RedisNamespace;
let redis: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'streambatch' });
  redis = ns.client();
});
afterAll(() => ns?.close());

const CLAIM_IDLE_MS = 60_000; // never reached in real time here: only the advances below reach it
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

function startConsumer<T>(options: Omit<ConsumeOptions<T>, 'signal'>): { stop: () => Promise<ConsumeStats> } {
  const abort = new AbortController();
  const running = consume<T>(ns.client(), { blockMs: 100, ...options, signal: abort.signal });
  onTestFinished(() => abort.abort());
  return { stop: () => (abort.abort(), running) };
}

/** Adds `ms` to the idle time of every message `consumer` holds: what that much time would do, on the server. */
async function advanceIdle(stream: string, group: string, consumer: string, ms: number): Promise<void> {
  const pending = (await redis.xpending(stream, group, '-', '+', 1_000, consumer)) as Array<
    [string, string, number, number]
  >;
  for (const [id, , idle] of pending) {
    await redis.xclaim(stream, group, consumer, 0, id, 'IDLE', Number(idle) + ms, 'JUSTID');
  }
}

describe('a batch handled one message at a time', () => {
  it('lets another consumer take only messages this one has not started: 10 each run once, though the batch outlasted claimIdleMs and no handler did', async () => {
    const stream = 'tail';
    await ensureGroup(redis, stream, 'workers');
    await streamProducer<{ n: number }>(redis, { stream }).addMany(range(1, 10).map((n) => ({ n })));
    const runs: string[] = [];
    const started = [gate(), gate()];
    const finish = [gate(), gate()];
    onTestFinished(() => finish.forEach((f) => f.open()));
    const a = startConsumer<{ n: number }>({
      stream,
      group: 'workers',
      consumer: 'a',
      batchSize: 10,
      claimIdleMs: CLAIM_IDLE_MS,
      handler: async ({ data }) => {
        runs.push(`a:${data.n}`);
        if (data.n > 2) return;
        started[data.n - 1]!.open();
        await finish[data.n - 1]!.promise;
      },
    });
    await started[0]!.promise; // a has read all 10 and runs message 1
    const b = startConsumer<{ n: number }>({
      stream,
      group: 'workers',
      consumer: 'b',
      claimIdleMs: CLAIM_IDLE_MS,
      claimEveryMs: 25,
      handler: ({ data }) => void runs.push(`b:${data.n}`),
    });

    await advanceIdle(stream, 'workers', 'a', CLAIM_IDLE_MS / 2); // message 1 ran for half of claimIdleMs
    finish[0]!.open();
    await started[1]!.promise;
    await advanceIdle(stream, 'workers', 'a', CLAIM_IDLE_MS / 2); // so did message 2: the tail has waited claimIdleMs
    await eventually(() => runs.filter((r) => r.startsWith('b:')).length >= 8, { what: 'b to take over the tail' });
    finish[1]!.open();
    await eventually(async () => (await pendingSummary(redis, stream, 'workers')).count === 0, { what: 'all acked' });
    const [sa, sb] = [await a.stop(), await b.stop()];

    expect(runs.sort()).toEqual(['a:1', 'a:2', ...range(3, 10).map((n) => `b:${n}`)].sort());
    expect(sa.acked + sb.acked).toBe(10);
  });

  it('counts an ack once when a handler slower than claimIdleMs lost its message to a consumer that acked it first', async () => {
    const stream = 'slow';
    await ensureGroup(redis, stream, 'workers');
    await streamProducer<string>(redis, { stream }).add('report');
    const runs: string[] = [];
    const started = gate();
    const finish = gate();
    onTestFinished(finish.open);
    const a = startConsumer<string>({
      stream,
      group: 'workers',
      consumer: 'a',
      claimIdleMs: CLAIM_IDLE_MS,
      handler: async () => {
        started.open();
        await finish.promise;
        runs.push('a');
      },
    });
    await started.promise;
    const b = startConsumer<string>({
      stream,
      group: 'workers',
      consumer: 'b',
      claimIdleMs: CLAIM_IDLE_MS,
      claimEveryMs: 25,
      handler: () => void runs.push('b'),
    });
    await advanceIdle(stream, 'workers', 'a', CLAIM_IDLE_MS); // a's handler has run for claimIdleMs
    await eventually(async () => (await pendingSummary(redis, stream, 'workers')).count === 0, {
      what: 'b to claim, run and ack it',
    });
    finish.open(); // a finishes late and acks what b already acked
    await eventually(() => runs.length === 2, { what: 'a to finish' });
    const [sa, sb] = [await a.stop(), await b.stop()];

    expect(runs).toEqual(['b', 'a']); // the documented cost of a handler slower than claimIdleMs
    expect([sa.acked, sb.acked]).toEqual([0, 1]);
  });
});

describe('a consumer stopped in the middle of a batch', () => {
  it('does not dead-letter the messages it never started (maxDeliveries 1): another consumer runs each once, as its first run', async () => {
    const stream = 'stopped';
    await ensureGroup(redis, stream, 'workers');
    await streamProducer<{ n: number }>(redis, { stream }).addMany(range(1, 10).map((n) => ({ n })));
    const runs: string[] = [];
    const stopA = new AbortController();
    const statsA = await consume<{ n: number }>(ns.client(), {
      stream,
      group: 'workers',
      consumer: 'a',
      batchSize: 10,
      maxDeliveries: 1,
      signal: stopA.signal,
      handler: ({ data }) => {
        runs.push(`a:${data.n}`);
        stopA.abort(); // a clean stop after message 1 (a deploy): 2..10 were read, never started
      },
    });
    expect(statsA).toMatchObject({ delivered: 10, acked: 1 });
    expect(await pendingSummary(redis, stream, 'workers')).toEqual({ count: 9, consumers: { a: 9 } });

    const dead: string[] = [];
    const b = startConsumer<{ n: number }>({
      stream,
      group: 'workers',
      consumer: 'b',
      maxDeliveries: 1,
      claimIdleMs: 50,
      claimEveryMs: 25,
      handler: ({ data, deliveries }) => void runs.push(`b:${data.n}#${deliveries}`),
      onDeadLetter: (ids) => dead.push(...ids),
    });
    await eventually(async () => (await pendingSummary(redis, stream, 'workers')).count === 0, { what: 'all done' });
    const statsB = await b.stop();

    expect(dead).toEqual([]);
    expect(await readDeadLetters(redis, `${stream}:dead`)).toEqual([]);
    expect(runs).toEqual(['a:1', ...range(2, 10).map((n) => `b:${n}#1`)]);
    expect(statsB).toMatchObject({ reclaimed: 9, acked: 9, deadLettered: 0 });
  });
});
