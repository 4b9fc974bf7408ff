// What a HyperLogLog promises under faults: its ~12 KB sketch is ordinary Redis data (it survives a
// crash exactly as far as persistence reaches), a failure is an error and never a count, and adding
// is idempotent, so an add() whose reply was lost can be sent again. Each test on a server of its own.
import { eventually, faultyLink, privateRedis, redisClient, type PrivateServer } from '@poc/harness';
import type { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CounterServiceError, HLL_STANDARD_ERROR, hyperLogLog, isCounterError, relativeError } from '../src/index.ts';

const visitors = (from: number, to: number): string[] =>
  Array.from({ length: to - from }, (_, i) => `visitor:${from + i}`);

async function serverWithClient(
  config: Array<[string, string]> = [],
): Promise<{ server: PrivateServer; redis: Redis }> {
  const server = await privateRedis({ config });
  onTestFinished(() => server.close());
  const redis = redisClient(server.url, { maxRetriesPerRequest: 1 });
  onTestFinished(() => redis.disconnect());
  redis.on('error', () => {}); // reconnect attempts while the server is down; commands report their own errors
  return { server, redis };
}

/** Loads 10 000 visitors, SIGKILLs Redis (no shutdown, no final save), starts it on the same directory. */
async function countThroughKill(config: Array<[string, string]>): Promise<{ before: number; after: number }> {
  const { server, redis } = await serverWithClient(config);
  const hll = hyperLogLog(redis);
  await hll.add('uv:day', visitors(0, 10_000));
  const before = await hll.count('uv:day');
  await server.kill();
  await server.start();
  await eventually(() => redis.ping(), { what: 'the client to reconnect' });
  return { before, after: await hll.count('uv:day') };
}

describe('a SIGKILLed Redis', () => {
  it('keeps the sketch with appendonly yes: the same estimate after the restart', async () => {
    const { before, after } = await countThroughKill([['appendonly', 'yes']]);
    expect(relativeError(before, 10_000)).toBeLessThan(3 * HLL_STANDARD_ERROR);
    expect(after).toBe(before);
  });

  it('loses it without persistence: the key is gone and the count reads 0, like a day with no visitors', async () => {
    const { before, after } = await countThroughKill([
      ['appendonly', 'no'],
      ['save', ''],
    ]);
    expect(before).toBeGreaterThan(0);
    expect(after).toBe(0);
  });
});

describe('Redis down', () => {
  it('rejects count, add and merge with CounterServiceError, never a count of 0', async () => {
    const { server, redis } = await serverWithClient();
    const hll = hyperLogLog(redis);
    await hll.add('uv:day', visitors(0, 1_000));
    await server.stop();
    for (const [what, call] of [
      ['counting "uv:day"', () => hll.count('uv:day')],
      ['adding 10 items to "uv:day"', () => hll.add('uv:day', visitors(0, 10))],
      ['merging into "uv:week"', () => hll.merge('uv:week', ['uv:day'])],
    ] as const) {
      const err = await (call() as Promise<unknown>).then(
        (value) => value,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(CounterServiceError);
      expect(isCounterError(err, 'service')).toBe(true);
      expect((err as Error).message.startsWith(`${what} failed: `)).toBe(true);
    }
  });
});

describe('a reply lost after Redis acted', () => {
  // With ioredis's default retries the lost pipeline is simply sent again on the new connection and
  // add() resolves. A client that does not retry (maxRetriesPerRequest 0) rejects the in-flight
  // commands when the connection drops: add() fails although Redis applied at least the PFADD whose
  // reply was lost. That is the caller's case: it cannot know, and sends the add() again. (Turning off
  // autoResendUnfulfilledCommands instead leaves the commands pending forever in ioredis 5.11:
  // redis/ioredis#2193.)
  it('fails add() with CounterServiceError although Redis applied it, and a retried add() gives the estimate of a clean load', async () => {
    const server = await privateRedis();
    onTestFinished(() => server.close());
    const relay = await faultyLink(new URL(server.url).host);
    onTestFinished(() => relay.close());
    const direct = redisClient(server.url);
    onTestFinished(() => direct.disconnect());
    const redis = redisClient(relay.via(server.url), { maxRetriesPerRequest: 0 });
    onTestFinished(() => redis.disconnect());
    redis.on('error', () => {});
    await redis.ping();

    const items = visitors(0, 10_000);
    await hyperLogLog(direct).add('clean', items);
    const hll = hyperLogLog(redis);
    const lost = relay.dropNextReply();
    const err = await hll.add('retried', items).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((await lost).length).toBeGreaterThan(0);
    expect(err).toBeInstanceOf(CounterServiceError);
    expect((err as Error).message).toMatch(/^adding 10000 items to "retried" failed: /);
    expect(await hyperLogLog(direct).count('retried')).toBeGreaterThan(0); // applied, though the caller heard "failed"

    await eventually(() => redis.ping(), { what: 'the client to reconnect' });
    await hll.add('retried', items); // the caller's retry: re-adding changes no register
    expect(await hll.count('retried')).toBe(await hll.count('clean'));
  });
});
