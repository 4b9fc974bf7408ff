import { eventually, privateRedis, redisClient } from '@poc/harness';
import type { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { channelOf, feedWriter, openFeedReader, publisher, subscribe } from '../src/index.ts';

const LIMIT = 'pubsub 64kb 32kb 10'; // hard limit 64 KiB; or 32 KiB for 10 s
const PAYLOAD = 'x'.repeat(8 * 1024);
const BURST = 4; // 32 KiB per step: Redis's buffer for the slow one crosses 64 KiB within a few steps

/** The connections Redis lists right now, name → output-buffer memory (omem, bytes). */
async function clients(admin: Redis): Promise<Map<string, number>> {
  const list = (await admin.client('LIST')) as string;
  return new Map([...list.matchAll(/name=(\S*) [^\n]*omem=(\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
}

describe('a subscriber that stops reading (private Redis, client-output-buffer-limit ' + LIMIT + ')', () => {
  it('does not hold up the publisher; Redis buffers for it, then cuts it off — while a stream reader under the same load loses nothing', async () => {
    const server = await privateRedis({ config: [['client-output-buffer-limit', LIMIT]] });
    onTestFinished(() => server.close());
    const redis = redisClient(server.url);
    onTestFinished(() => void redis.disconnect());
    expect(await redis.config('GET', 'client-output-buffer-limit')).toEqual([
      'client-output-buffer-limit',
      'normal 0 0 0 slave 268435456 67108864 60 pubsub 65536 32768 10',
    ]);

    const namespace = 'ticker';
    let fastCount = 0;
    const fast = await subscribe<string>(redis, {
      namespace,
      topics: ['prices'],
      connectionName: 'fast-sub',
      handler: () => void fastCount++,
    });
    onTestFinished(() => fast.close());

    // The slow subscriber: subscribed, then its process stops reading the socket (a blocked event loop,
    // a GC pause, a slow network). Messages pile up in the kernel's socket buffers, then in Redis.
    const slow = redisClient(server.url, { connectionName: 'slow-sub' });
    slow.on('error', () => {});
    onTestFinished(() => void slow.disconnect());
    let slowCount = 0;
    slow.on('message', () => void slowCount++);
    await slow.subscribe(channelOf(namespace, 'prices'));
    slow.stream.pause();

    // The stream side of the contrast: the same messages appended, a reader that reads nothing meanwhile.
    const writer = feedWriter<string>(redis, { stream: 'prices', maxLen: 100_000 });
    const reader = await openFeedReader<string>(redis, { stream: 'prices' });
    onTestFinished(() => reader.close());

    const pub = publisher<string>(redis, { namespace });
    const receivers: number[] = [];
    let bufferedForSlow = 0;
    await eventually(
      async () => {
        for (let i = 0; i < BURST; i++) {
          receivers.push(await pub.publish('prices', PAYLOAD));
          await writer.append(PAYLOAD);
        }
        const now = await clients(redis);
        bufferedForSlow = Math.max(bufferedForSlow, now.get('slow-sub') ?? 0);
        return !now.has('slow-sub');
      },
      { timeoutMs: 45_000, intervalMs: 1, what: 'Redis to disconnect the slow subscriber' },
    );

    // Redis has closed it: the next PUBLISH reaches only the fast subscriber.
    receivers.push(await pub.publish('prices', PAYLOAD));
    await writer.append(PAYLOAD);
    const published = receivers.length;
    // Every PUBLISH was answered while the slow one read nothing (none waited for it); 2 receivers, then 1.
    expect(receivers[0]).toBe(2);
    expect(receivers.at(-1)).toBe(1);
    expect(receivers.every((r, i) => i === 0 || r <= receivers[i - 1]!)).toBe(true);
    expect(bufferedForSlow).toBeGreaterThan(0); // Redis held messages for it in its own memory
    await eventually(() => fastCount === published, { what: 'fast subscriber got every message' });

    // The slow one reads again: it gets what its socket buffers held, and nothing after the cut.
    const cut = new Promise<void>((resolve) => slow.once('close', () => resolve()));
    slow.stream.resume();
    await cut; // ioredis saw the end of the connection, after every byte that was still on its way
    const heardBySlow = receivers.filter((r) => r === 2).length;
    expect(slowCount).toBeGreaterThan(0);
    expect(slowCount).toBeLessThanOrEqual(heardBySlow);
    expect(slowCount).toBeLessThan(published);

    // Same load, stream: the reader that read nothing meanwhile catches up with every message.
    let caughtUp = 0;
    await eventually(
      async () => (caughtUp += (await reader.read({ count: 1_000, blockMs: 10 })).length) === published,
      {
        what: 'stream reader caught up',
      },
    );
    expect(caughtUp).toBe(published);
  });
});
