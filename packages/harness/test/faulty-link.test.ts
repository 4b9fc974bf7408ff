import { describe, expect, it, onTestFinished } from 'vitest';
import { redisClient, redisNamespace } from '../src/services/index.ts';
import { faultyLink } from '../src/testing/index.ts';

describe('faultyLink', () => {
  it('relays traffic both ways until armed', async () => {
    const ns = await redisNamespace();
    const link = await faultyLink(new URL(ns.url).host);
    const redis = redisClient(link.via(ns.url), { keyPrefix: ns.prefix });
    onTestFinished(async () => {
      redis.disconnect();
      await link.close();
      await ns.close();
    });
    await redis.set('k', 'v');
    expect(await redis.get('k')).toBe('v');
    expect(link.connections).toBe(1);
  });

  it('loses one reply after the server acted, so a client that re-sends runs the command twice', async () => {
    const ns = await redisNamespace();
    const link = await faultyLink(new URL(ns.url).host);
    const redis = redisClient(link.via(ns.url), { keyPrefix: ns.prefix });
    redis.on('error', () => {}); // the reset is the point of the test
    const direct = ns.client();
    onTestFinished(async () => {
      redis.disconnect();
      await link.close();
      await ns.close();
    });
    await redis.ping();
    const lost = link.dropNextReply();
    // ioredis re-sends commands whose reply never came once it reconnects: one call, two increments.
    const answer = await redis.incr('hits');
    expect((await lost).toString()).toBe(':1\r\n');
    expect(answer).toBe(2);
    expect(await direct.get('hits')).toBe('2');
    expect(link.connections).toBe(2);
  });

  it('refuses an upstream that is not host:port', async () => {
    await expect(faultyLink('redis://x')).rejects.toThrow('upstream must be "host:port" (got "redis://x")');
  });
});
