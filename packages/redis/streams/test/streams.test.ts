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
  ns = await redisNamespace({ name: 'streams' });
  redis = ns.client();
});
afterAll(() => ns?.close());

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Starts consume() on a client of its own; the returned stop() aborts it and resolves with its stats. */
function startConsumer<T>(options: Omit<ConsumeOptions<T>, 'signal'>): {
  stop: () => Promise<ConsumeStats>;
  running: Promise<ConsumeStats>;
} {
  const abort = new AbortController();
  const running = consume<T>(ns.client(), { blockMs: 100, ...options, signal: abort.signal });
  onTestFinished(() => abort.abort());
  return { running, stop: () => (abort.abort(), running) };
}

describe('producing', () => {
  it('appends messages in order and hands back their ids', async () => {
    const producer = streamProducer<{ n: number }>(redis, { stream: 'order' });
    const first = await producer.add({ n: 1 });
    const rest = await producer.addMany([{ n: 2 }, { n: 3 }]);
    const entries = await redis.xrange('order', '-', '+');
    expect(entries.map(([id]) => id)).toEqual([first, ...rest]);
    expect(entries.map(([, fields]) => fields)).toEqual([
      ['data', '{"n":1}'],
      ['data', '{"n":2}'],
      ['data', '{"n":3}'],
    ]);
  });

  it('keeps the stream bounded with MAXLEN ~: at least maxLen entries, less than one radix-tree node more', async () => {
    const [, nodeSize] = (await redis.config('GET', 'stream-node-max-entries')) as [string, string];
    const producer = streamProducer<{ n: number }>(redis, { stream: 'bounded', maxLen: 1_000 });
    for (let chunk = 0; chunk < 10; chunk++)
      await producer.addMany(range(chunk * 500 + 1, chunk * 500 + 500).map((n) => ({ n })));
    const length = await redis.xlen('bounded');
    expect(length).toBeGreaterThanOrEqual(1_000);
    expect(length).toBeLessThan(1_000 + Number(nodeSize));
    // The oldest entries went first: the newest 1 000 are all there.
    const newest = await redis.xrevrange('bounded', '+', '-', 'COUNT', 1_000);
    expect(newest.map(([, f]) => JSON.parse(f[1]!).n)).toEqual(range(4_001, 5_000).reverse());
  });

  it('trims to exactly maxLen with exactTrim', async () => {
    const producer = streamProducer<{ n: number }>(redis, { stream: 'exact', maxLen: 100, exactTrim: true });
    await producer.addMany(range(1, 1_000).map((n) => ({ n })));
    expect(await redis.xlen('exact')).toBe(100);
    const [[, oldest]] = (await redis.xrange('exact', '-', '+', 'COUNT', 1)) as [[string, string[]]];
    expect(JSON.parse(oldest[1]!)).toEqual({ n: 901 });
  });
});

describe('consumer groups', () => {
  it('creates a group once and reports an existing one', async () => {
    expect(await ensureGroup(redis, 'groups', 'g')).toBe(true);
    expect(await ensureGroup(redis, 'groups', 'g')).toBe(false);
    // Like XGROUP, XINFO takes its key after a subcommand, where ioredis's keyPrefix does not reach.
    const [info] = (await redis.xinfo('GROUPS', `${ns.prefix}groups`)) as [string[]];
    expect(info.slice(0, 2)).toEqual(['name', 'g']);
  });

  it('shares 200 messages among 4 concurrent consumers: each handled and acked exactly once', async () => {
    await ensureGroup(redis, 'shared', 'workers');
    await streamProducer<{ n: number }>(redis, { stream: 'shared' }).addMany(range(1, 200).map((n) => ({ n })));
    const seen: number[] = [];
    const consumers = ['w1', 'w2', 'w3', 'w4'].map((consumer) =>
      startConsumer<{ n: number }>({
        stream: 'shared',
        group: 'workers',
        consumer,
        handler: ({ data }) => void seen.push(data.n),
      }),
    );
    await eventually(() => seen.length >= 200, { what: '200 messages handled' });
    const stats = await Promise.all(consumers.map((c) => c.stop()));
    expect([...seen].sort((a, b) => a - b)).toEqual(range(1, 200));
    expect(stats.reduce((n, s) => n + s.acked, 0)).toBe(200);
    expect(stats.reduce((n, s) => n + s.delivered, 0)).toBe(200);
    expect(await pendingSummary(redis, 'shared', 'workers')).toEqual({ count: 0, consumers: {} });
  });

  it('acks only after the handler succeeded: a failed message is retried later with a higher delivery count', async () => {
    await ensureGroup(redis, 'retry', 'workers');
    const [id] = await streamProducer<string>(redis, { stream: 'retry' }).addMany(['flaky']);
    const attempts: number[] = [];
    const errors: string[] = [];
    const c = startConsumer<string>({
      stream: 'retry',
      group: 'workers',
      consumer: 'w',
      claimIdleMs: 50,
      claimEveryMs: 25,
      handler: ({ deliveries }) => {
        attempts.push(deliveries);
        if (deliveries === 1) throw new Error('downstream timeout');
      },
      onError: (e, entry) => errors.push(`${entry.id}#${entry.deliveries}: ${(e as Error).message}`),
    });
    await eventually(
      async () => (await pendingSummary(redis, 'retry', 'workers')).count === 0 && attempts.length === 2,
      { what: 'retried and acked' },
    );
    expect(attempts).toEqual([1, 2]);
    expect(errors).toEqual([`${id}#1: downstream timeout`]);
    expect(await c.stop()).toMatchObject({ delivered: 1, reclaimed: 1, acked: 1, failed: 1, deadLettered: 0 });
  });

  it('dead-letters a poison message after maxDeliveries attempts, and a payload that does not parse without calling the handler', async () => {
    await ensureGroup(redis, 'poison', 'workers');
    const producer = streamProducer<{ n: number }>(redis, { stream: 'poison' });
    const [, poison] = await producer.addMany([{ n: 1 }, { n: 666 }, { n: 2 }]);
    const garbled = (await redis.xadd('poison', '*', 'body', 'not written by streamProducer'))!;
    const calls = new Map<number, number>();
    const deadIds: string[] = [];
    const c = startConsumer<{ n: number }>({
      stream: 'poison',
      group: 'workers',
      consumer: 'w',
      claimIdleMs: 50,
      claimEveryMs: 25,
      maxDeliveries: 3,
      handler: ({ data }) => {
        calls.set(data.n, (calls.get(data.n) ?? 0) + 1);
        if (data.n === 666) throw new Error('cannot process 666');
      },
      onDeadLetter: (ids) => deadIds.push(...ids),
    });
    await eventually(() => deadIds.length === 2, { what: 'two dead letters' });
    expect([...calls.entries()].sort(([a], [b]) => a - b)).toEqual([
      [1, 1],
      [2, 1],
      [666, 3],
    ]);
    expect(deadIds.sort()).toEqual([poison, garbled].sort());
    const dead = await readDeadLetters(redis, 'poison:dead');
    expect(dead.map(({ originId, group, deliveries, raw }) => ({ originId, group, deliveries, raw }))).toEqual(
      [
        { originId: poison!, group: 'workers', deliveries: 3, raw: '{"n":666}' },
        { originId: garbled, group: 'workers', deliveries: 3, raw: undefined },
      ].sort((a, b) => (a.originId < b.originId ? -1 : 1)),
    );
    // Dead letters are acked in the source stream: nothing is left pending, and the good ones were handled once.
    expect(await pendingSummary(redis, 'poison', 'workers')).toEqual({ count: 0, consumers: {} });
    expect(await c.stop()).toMatchObject({ delivered: 4, acked: 2, failed: 6, deadLettered: 2 });
  });

  it('reports pending messages that MAXLEN trimmed away before anyone processed them', async () => {
    await ensureGroup(redis, 'lossy', 'workers');
    const producer = streamProducer<{ n: number }>(redis, { stream: 'lossy', maxLen: 5, exactTrim: true });
    const early = await producer.addMany(range(1, 5).map((n) => ({ n })));
    // A consumer reads them and dies before acking; then the producer trims them out of the stream.
    await redis.xreadgroup('GROUP', 'workers', 'crashed', 'COUNT', 5, 'STREAMS', 'lossy', '>');
    await producer.addMany(range(6, 10).map((n) => ({ n })));
    const trimmed: string[] = [];
    const handled: number[] = [];
    const c = startConsumer<{ n: number }>({
      stream: 'lossy',
      group: 'workers',
      consumer: 'survivor',
      claimIdleMs: 50,
      claimEveryMs: 25,
      handler: ({ data }) => void handled.push(data.n),
      onTrimmed: (ids) => trimmed.push(...ids),
    });
    await eventually(() => trimmed.length === 5 && handled.length === 5, { what: 'trimmed ids reported' });
    expect(trimmed).toEqual(early);
    expect(handled).toEqual(range(6, 10));
    expect(await c.stop()).toMatchObject({ delivered: 5, acked: 5, trimmedWhilePending: 5 });
    expect(await pendingSummary(redis, 'lossy', 'workers')).toEqual({ count: 0, consumers: {} });
  });

  it('stops at once when aborted, even in the middle of a blocking read, and hands the handler the signal', async () => {
    await ensureGroup(redis, 'idle', 'workers');
    const abort = new AbortController();
    let handlerSignal: AbortSignal | undefined;
    // blockMs is longer than the test timeout: only cutting the blocking connection lets this finish.
    const running = consume<string>(ns.client(), {
      stream: 'idle',
      group: 'workers',
      consumer: 'w',
      blockMs: 120_000,
      signal: abort.signal,
      handler: (_entry, signal) => void (handlerSignal = signal),
    });
    onTestFinished(() => abort.abort());
    await streamProducer<string>(redis, { stream: 'idle' }).add('wake up');
    await eventually(() => handlerSignal !== undefined, { what: 'message handled' });
    await eventually(async () => (await pendingSummary(redis, 'idle', 'workers')).count === 0, { what: 'acked' });
    abort.abort();
    expect(await running).toMatchObject({ delivered: 1, acked: 1 });
    expect(handlerSignal!.aborted).toBe(true);
  });
});
