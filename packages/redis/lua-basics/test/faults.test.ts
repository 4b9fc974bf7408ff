// When the server fails: a private server stopped under the client, and a reply lost after the server ran
// the script (the harness's faultyLink drops it and resets the connection; ioredis re-sends the command,
// so Redis runs the script twice). vote-2.lua must count once and give the caller the first run's answer.
import { faultyLink, redisClient, redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { LuaBasicsServiceError, isLuaBasicsError, poll } from '../src/index.ts';
import { failureOf, serverWithClient } from './helpers.ts';

let ns: RedisNamespace;
let admin: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'lua_basics_faults' });
  admin = ns.client();
});
afterAll(() => ns?.close());

describe('a server that is down (private server)', () => {
  it('rejects with a LuaBasicsServiceError naming the script, not a hang, and votes again once it is back', async () => {
    const { server, client } = await serverWithClient([['appendonly', 'yes']]);
    const p = poll(client, { name: 'outage' });
    expect((await p.vote('ann', 'tea')).accepted).toBe(true); // acknowledged before the outage

    await server.stop();
    const err = await failureOf(p.vote('bob', 'tea'));
    expect(err).toBeInstanceOf(LuaBasicsServiceError);
    expect(isLuaBasicsError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^running vote-2\.lua failed: /);
    expect((err as Error).cause).toBeInstanceOf(Error);

    await server.start(); // its cache is empty now: the fallback reloads the script
    expect(await p.vote('bob', 'tea')).toEqual({ accepted: true, option: 'tea', votes: 2 });
    expect(await client.hgetall(p.keys.ballots)).toEqual({ ann: 'tea', bob: 'tea' }); // ann's vote kept (AOF)
  });
});

describe('a lost reply, re-sent by ioredis (faultyLink)', () => {
  it('counts a re-sent vote once and answers it "accepted", as the first run did', async () => {
    const link = await faultyLink(new URL(ns.url).host);
    onTestFinished(() => link.close());
    const client = redisClient(link.via(ns.url), { keyPrefix: ns.prefix });
    client.on('error', () => {}); // the reset is the point; commands report what they lose
    onTestFinished(() => void client.disconnect());
    const p = poll(client, { name: 'resent' });
    await p.vote('warm-up', 'coffee'); // the script is cached: the reply lost below is the vote's, not NOSCRIPT

    const lost = link.dropNextReply();
    const answer = await p.vote('ann', 'tea');
    expect((await lost).toString()).toContain('tea'); // the first run's reply: it did record and count the vote

    expect(link.connections).toBe(2); // the answer came from the re-sent command, on a new connection
    expect(answer).toEqual({ accepted: true, option: 'tea', votes: 1 });
    expect(await admin.hgetall(p.keys.tally)).toEqual({ coffee: '1', tea: '1' });
    expect(await admin.hgetall(p.keys.ballots)).toEqual({ 'warm-up': 'coffee', ann: 'tea' });
  });
});
