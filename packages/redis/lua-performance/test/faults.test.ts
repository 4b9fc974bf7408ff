// When the server fails: a private server stopped under the client (each way reports it, none hangs), and a
// reply lost after Redis ran the script (faultyLink drops it; ioredis re-sends the EVALSHA and Redis runs it
// again). apply-1.lua is NOT idempotent, and this test pins down what that costs; the README says why.
import { faultyLink, privateRedis, redisClient, redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  LuaPerformanceServiceError,
  isLuaPerformanceError,
  luaSteps,
  multiSteps,
  pipelineSteps,
} from '../src/index.ts';
import { roundTripSteps } from '../src/naive.ts';

let ns: RedisNamespace;
let admin: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'lua_perf_faults' });
  admin = ns.client();
});
afterAll(() => ns?.close());

describe('a server that is down (private server)', () => {
  it('rejects each way with a LuaPerformanceServiceError naming it, not a hang, and applies again once it is back', async () => {
    const server = await privateRedis();
    onTestFinished(() => server.close());
    const client = redisClient(server.url);
    client.on('error', () => {}); // errors while the server is down are expected; commands report them
    onTestFinished(() => void client.disconnect());
    const ways = [luaSteps(client), multiSteps(client), pipelineSteps(client), roundTripSteps(client)];

    await server.stop();
    for (const way of ways) {
      const err = await way.apply('down', [1, 2, 3]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LuaPerformanceServiceError);
      expect(isLuaPerformanceError(err, 'service')).toBe(true);
      expect((err as Error).message).toMatch(new RegExp(`^applying 3 steps to "down" \\(${way.strategy}\\) failed: `));
    }

    await server.start(); // empty: no persistence, and the script cache is gone too (the fallback reloads it)
    for (const way of ways) expect((await way.apply(`up:${way.strategy}`, [1, 2, 3])).value).toBe(6);
  });
});

describe('a lost reply, re-sent by ioredis (faultyLink)', () => {
  it('applies a re-sent script twice: the steps are additions, and the script cannot tell a re-send from a new call', async () => {
    const link = await faultyLink(new URL(ns.url).host);
    onTestFinished(() => link.close());
    const client = redisClient(link.via(ns.url), { keyPrefix: ns.prefix });
    client.on('error', () => {}); // the reset is the point
    onTestFinished(() => void client.disconnect());
    const lua = luaSteps(client);
    await lua.apply('warm-up', [0]); // the script is cached: the reply lost below is the operation's

    const lost = link.dropNextReply();
    const result = await lua.apply('resent', [1, 2, 3]);
    expect((await lost).toString()).toBe('*4\r\n:1\r\n:3\r\n:6\r\n:6\r\n'); // the first run's reply, never heard

    expect(link.connections).toBe(2);
    expect(result).toEqual({ steps: [7, 9, 12], value: 12 }); // the caller hears the second run
    expect(await admin.get('resent')).toBe('12'); // 6 added twice
  });
});
