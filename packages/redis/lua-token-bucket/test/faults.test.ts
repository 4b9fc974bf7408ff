// When Redis fails: a private server per test (registered for cleanup before the body) for outages and
// restarts, and the harness's faultyLink for a reply lost after the script ran. A failure is surfaced as a
// TokenBucketServiceError, never swallowed as "admitted"; a lost reply may cost a token, never add one.
import { faultyLink, privateRedis, redisClient, redisNamespace, type RedisNamespace } from '@poc/harness';
import { ManualClock } from '@poc/kit';
import { luaFolder } from '@poc/redis-lua';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { TokenBucketServiceError, isTokenBucketError, tokenBucket, type TokenBucket } from '../src/index.ts';

const rate = { tokens: 1, perMs: 60_000 };
const takeSha = luaFolder(new URL('../src/lua/', import.meta.url))('take-1.lua').sha;

/** A Redis of the test's own and a client, closed when the test ends. */
async function serverWithClient(config?: Array<[string, string]>) {
  const server = await privateRedis(config ? { config } : {});
  onTestFinished(() => server.close());
  const client = redisClient(server.url);
  client.on('error', () => {}); // errors while the server is down are expected; commands report them
  onTestFinished(() => void client.disconnect());
  return { server, client };
}

async function drain(bucket: TokenBucket, key: string): Promise<number> {
  let admitted = 0;
  while ((await bucket.take(key)).allowed) admitted++;
  return admitted;
}

describe('outages and restarts (private server)', () => {
  it('rejects with TokenBucketServiceError, not "admitted", while Redis is down, and works again after it returns', async () => {
    const { server, client } = await serverWithClient();
    const bucket = tokenBucket(client, { name: 'down', capacity: 3, rate, clock: new ManualClock() });
    expect((await bucket.take('client')).allowed).toBe(true);

    await server.stop();
    const err = await bucket.take('client').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenBucketServiceError);
    expect(isTokenBucketError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^taking 1 from bucket "client" failed: /);
    expect((err as Error).cause).toBeInstanceOf(Error);

    await server.start(); // no persistence: the bucket comes back full, and the script is reloaded
    expect(await client.script('EXISTS', takeSha)).toEqual([0]);
    expect(await bucket.take('client')).toEqual({ allowed: true, remaining: 2, retryAfterMs: 0 });
    expect(await client.script('EXISTS', takeSha)).toEqual([1]);
  });

  it.each([
    ['no persistence', [], 3],
    ['AOF', [['appendonly', 'yes']], 0],
  ] as Array<[string, Array<[string, string]>, number]>)(
    'after a SIGKILL of Redis with %s, a drained bucket admits %i more at the same instant',
    async (_setting, config, admittedAfter) => {
      const { server, client } = await serverWithClient(config);
      const bucket = tokenBucket(client, { name: 'restart', capacity: 3, rate, clock: new ManualClock() });
      expect(await drain(bucket, 'client')).toBe(3);
      // A crash, not a shutdown: nothing is written on the way out. Redis write()s the AOF before it
      // answers, so the page cache holds every acknowledged take (an fsync setting only matters to a
      // power loss, which a process kill cannot show).
      await server.kill();
      await server.start();
      expect(await drain(bucket, 'client')).toBe(admittedAfter);
    },
  );
});

describe('a reply lost after the script ran (faultyLink), re-sent by ioredis', () => {
  let ns: RedisNamespace;
  let admin: Redis;
  beforeAll(async () => {
    ns = await redisNamespace({ name: 'token_bucket_resend' });
    admin = ns.client();
  });
  afterAll(() => ns?.close());

  it('charges the re-sent take again: the caller loses a token, and nobody gets one too many', async () => {
    const link = await faultyLink(new URL(ns.url).host);
    onTestFinished(() => link.close());
    const client = redisClient(link.via(ns.url), { keyPrefix: ns.prefix });
    client.on('error', () => {}); // the reset is the point
    onTestFinished(() => void client.disconnect());
    const clock = new ManualClock();
    const options = { name: 'resend', capacity: 3, rate, clock };
    const bucket = tokenBucket(client, options);
    await bucket.take('warm-up'); // loads the script, so the reply lost below is the script's answer

    const lost = link.dropNextReply();
    const heard = await bucket.take('client');
    expect((await lost).toString()).toBe('*3\r\n:1\r\n:2\r\n:0\r\n'); // the first run: admitted, 2 left
    expect(heard).toEqual({ allowed: true, remaining: 1, retryAfterMs: 0 }); // the answer of the second run
    expect(link.connections).toBe(2);

    // Of the 3 tokens, the caller was told of 2 admissions; the third went to the lost reply.
    expect(await drain(tokenBucket(admin, options), 'client')).toBe(1);
  });
});
