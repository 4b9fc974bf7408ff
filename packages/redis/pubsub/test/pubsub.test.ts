import { eventually, redisClient, redisNamespace, uniqueName, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  channelOf,
  feedWriter,
  openFeedReader,
  publisher,
  subscribe,
  type Notification,
  type SubscribeOptions,
} from '../src/index.ts';

let ns: RedisNamespace;
let redis: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'pubsub' });
  redis = ns.client();
});
afterAll(() => ns?.close());

/** A subscription closed when the test ends, collecting what it receives. */
async function listener<T>(
  options: Omit<SubscribeOptions<T>, 'handler'>,
): Promise<{ got: Array<Notification<T>>; sub: Awaited<ReturnType<typeof subscribe<T>>> }> {
  const got: Array<Notification<T>> = [];
  const sub = await subscribe<T>(redis, { ...options, handler: (n) => void got.push(n) });
  onTestFinished(() => sub.close());
  return { got, sub };
}

describe('fan-out', () => {
  it('delivers a topic message to every subscriber of that topic and to no one else', async () => {
    const namespace = uniqueName('fan');
    const pub = publisher<string>(redis, { namespace });
    const readers = await Promise.all([1, 2, 3].map(() => listener<string>({ namespace, topics: ['news'] })));
    const alice = await listener<string>({ namespace, topics: ['user:alice'] });

    expect(await pub.publish('news', 'redis 8 is out')).toBe(3);
    expect(await pub.publish('user:alice', 'your order shipped')).toBe(1);
    expect(await pub.publish('user:bob', 'nobody is listening')).toBe(0);

    await eventually(() => readers.every((r) => r.got.length === 1) && alice.got.length === 1, {
      what: 'all deliveries',
    });
    for (const r of readers) expect(r.got.map((n) => [n.topic, n.data])).toEqual([['news', 'redis 8 is out']]);
    expect(alice.got.map((n) => [n.topic, n.data])).toEqual([['user:alice', 'your order shipped']]);
    expect(alice.got[0]!.receivedAt).toBeGreaterThanOrEqual(alice.got[0]!.sentAt);
  });

  it('follows topics added and removed on a live subscription', async () => {
    const namespace = uniqueName('topics');
    const pub = publisher<number>(redis, { namespace });
    const { got, sub } = await listener<number>({ namespace, topics: ['a'] });
    await sub.add('b');
    expect([...sub.topics].sort()).toEqual(['a', 'b']);
    expect(await pub.publish('b', 1)).toBe(1);
    await sub.remove('a');
    expect(await pub.publish('a', 2)).toBe(0);
    expect(await pub.publish('b', 3)).toBe(1);
    await eventually(() => got.length === 2, { what: 'two deliveries' });
    expect(got.map((n) => n.data)).toEqual([1, 3]);
  });

  it('reports a message that is not one of its envelopes through onError, without calling the handler', async () => {
    const namespace = uniqueName('foreign');
    const errors: string[] = [];
    const { got } = await listener<string>({
      namespace,
      topics: ['news'],
      onError: (e) => errors.push((e as Error).message),
    });
    await redis.publish(channelOf(namespace, 'news'), 'plain text from another publisher');
    await redis.publish(channelOf(namespace, 'news'), '{"data":"no sentAt"}');
    await eventually(() => errors.length === 2, { what: 'two errors' });
    expect(errors[0]).toMatch(/^Unexpected token/);
    expect(errors[1]).toBe(`message on "${namespace}:news" is not a notification envelope: {"data":"no sentAt"}`);
    expect(got).toEqual([]);
  });

  it('closes when its signal aborts: the publisher then reaches nobody', async () => {
    const namespace = uniqueName('abort');
    const abort = new AbortController();
    const sub = await subscribe<string>(redis, {
      namespace,
      topics: ['news'],
      signal: abort.signal,
      handler: () => {},
    });
    onTestFinished(() => sub.close());
    const pub = publisher<string>(redis, { namespace });
    expect(await pub.publish('news', 'one')).toBe(1);
    abort.abort();
    await eventually(async () => (await pub.publish('news', 'probe')) === 0, { what: 'subscription gone' });
    expect(sub.topics.size).toBe(0);
  });
});

describe('at-most-once: an offline subscriber misses what was published meanwhile', () => {
  it('gets m1 and m4, misses m2 and m3 (PUBLISH told the publisher: 0 receivers)', async () => {
    const namespace = uniqueName('offline');
    const pub = publisher<string>(redis, { namespace });
    const got: string[] = [];
    const handler = (n: Notification<string>): void => void got.push(n.data);
    const online = await subscribe<string>(redis, { namespace, topics: ['user:7'], handler });
    onTestFinished(() => online.close());

    expect(await pub.publish('user:7', 'm1')).toBe(1);
    await eventually(() => got.length === 1, { what: 'm1' });
    await online.close(); // the user's tab closes, the phone loses signal, the server restarts ...

    expect(await pub.publish('user:7', 'm2')).toBe(0);
    expect(await pub.publish('user:7', 'm3')).toBe(0);

    const back = await subscribe<string>(redis, { namespace, topics: ['user:7'], handler });
    onTestFinished(() => back.close());
    expect(await pub.publish('user:7', 'm4')).toBe(1);
    await eventually(() => got.length === 2, { what: 'm4' });

    expect(got).toEqual(['m1', 'm4']);
    expect(['m1', 'm2', 'm3', 'm4'].filter((m) => !got.includes(m))).toEqual(['m2', 'm3']);
  });

  it('contrast: a stream reader that reconnects from its last-seen id catches up with all of them', async () => {
    const writer = feedWriter<string>(redis, { stream: 'feed:user:7', maxLen: 1_000 });
    const first = await openFeedReader<string>(redis, { stream: 'feed:user:7' });
    onTestFinished(() => first.close());

    await writer.append('m1');
    const seen = (await first.read({ blockMs: 1_000 })).map((e) => e.data);
    expect(seen).toEqual(['m1']);
    const lastSeen = first.lastId;
    first.close(); // offline

    await writer.append('m2');
    await writer.append('m3');

    const back = await openFeedReader<string>(redis, { stream: 'feed:user:7', from: lastSeen });
    onTestFinished(() => back.close());
    await writer.append('m4');
    const caughtUp = (await back.read({ blockMs: 1_000 })).map((e) => e.data);
    expect([...seen, ...caughtUp]).toEqual(['m1', 'm2', 'm3', 'm4']);
  });

  it("a reader opened at '$' sees only what comes after it, even when appends fall between two reads", async () => {
    const writer = feedWriter<number>(redis, { stream: 'feed:late' });
    await writer.append(1);
    const reader = await openFeedReader<number>(redis, { stream: 'feed:late' });
    onTestFinished(() => reader.close());
    expect(await reader.read({ blockMs: 10 })).toEqual([]);
    await writer.append(2);
    await writer.append(3);
    expect((await reader.read({ blockMs: 10 })).map((e) => e.data)).toEqual([2, 3]);
  });
});

describe('dropped connections', () => {
  it('reports a gap when Redis drops the subscriber, and receives again once ioredis has resubscribed', async () => {
    const namespace = uniqueName('gap');
    const gaps: string[] = [];
    const connectionName = uniqueName('gapsub');
    const { got, sub } = await listener<number>({
      namespace,
      topics: ['news'],
      connectionName,
      onGap: (reason) => gaps.push(reason),
    });
    const admin = redisClient(ns.url);
    onTestFinished(() => void admin.disconnect());
    const id = /id=(\d+) [^\n]* name=(\S+)/g;
    const list = (await admin.client('LIST')) as string;
    const mine = [...list.matchAll(id)].find((m) => m[2] === connectionName)?.[1];
    expect(mine).toMatch(/^\d+$/);

    await admin.client('KILL', 'ID', mine!);

    await eventually(() => gaps.length === 1, { what: 'gap reported' });
    expect(gaps).toEqual(['connection closed']);
    expect(sub.gaps).toBe(1);
    const pub = publisher<number>(redis, { namespace });
    // Until ioredis has reconnected and resubscribed, messages are lost; then they flow again.
    const receivers = new Map<number, number>();
    await eventually(
      async () => {
        const n = receivers.size + 1;
        receivers.set(n, await pub.publish('news', n));
        return receivers.get(n) === 1;
      },
      { what: 'resubscribed', intervalMs: 50 },
    );
    const heard = [...receivers].filter(([, r]) => r === 1).map(([n]) => n);
    await eventually(() => got.length === heard.length, { what: 'deliveries after the resubscribe' });
    expect(got.map((x) => x.data)).toEqual(heard); // exactly those PUBLISH counted; the rest were lost
  });
});
