// A set of Lua files against the shared Redis (a key prefix of the suite's own): what a script does,
// read back from the server; how its failures reach the caller (file and line); and the keys rule.
import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LuaBasicsArgumentError,
  LuaScriptError,
  POLL_SCRIPTS,
  isLuaBasicsError,
  luaScripts,
  poll,
} from '../src/index.ts';
import { TEST_LUA, failureOf, lineOf } from './helpers.ts';

let ns: RedisNamespace;
let admin: Redis;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'lua_basics' });
  admin = ns.client();
});
afterAll(() => ns?.close());

describe('a script run on the shared server', () => {
  it('records a vote and counts it in one step, refuses a second vote, and the server holds exactly that', async () => {
    const p = poll(ns.client(), { name: 'promise' });
    expect(await p.vote('ann', 'tea')).toEqual({ accepted: true, option: 'tea', votes: 1 });
    expect(await p.vote('bob', 'tea')).toEqual({ accepted: true, option: 'tea', votes: 2 });
    expect(await p.vote('ann', 'coffee')).toEqual({ accepted: false, option: 'tea', votes: 2 });
    expect(await p.vote('ann', 'tea')).toEqual({ accepted: true, option: 'tea', votes: 2 }); // the same vote again

    expect(await admin.hgetall(p.keys.ballots)).toEqual({ ann: 'tea', bob: 'tea' });
    expect(await admin.hgetall(p.keys.tally)).toEqual({ tea: '2' });
    expect(await p.results()).toEqual({ tea: 2 });
  });

  it('counts every voter exactly once when 200 voters each send two different votes at once on 10 connections', async () => {
    const clients = Array.from({ length: 10 }, () => ns.client());
    const polls = clients.map((c) => poll(c, { name: 'contended' }));
    const voters = Array.from({ length: 200 }, (_, i) => `voter-${i}`);
    const answers = await Promise.all(
      voters.flatMap((voter, i) => [
        polls[i % 10]!.vote(voter, 'red'),
        polls[(i + 1) % 10]!.vote(voter, 'blue'), // another connection, so the two race on the server
      ]),
    );
    // Each voter had exactly one of its two votes accepted, and the tally counts each voter once.
    for (let i = 0; i < voters.length; i++) {
      expect([answers[2 * i]!.accepted, answers[2 * i + 1]!.accepted].filter(Boolean)).toHaveLength(1);
    }
    const tally = await polls[0]!.results();
    expect((tally.red ?? 0) + (tally.blue ?? 0)).toBe(200);
    const ballots = await admin.hgetall(polls[0]!.keys.ballots);
    expect(Object.keys(ballots)).toHaveLength(200);
    expect(Object.values(ballots).filter((o) => o === 'red')).toHaveLength(tally.red ?? 0);
  });
});

describe('a script that fails inside Redis', () => {
  it('surfaces a refused command as a LuaScriptError with the file and the line of the call, keeping the writes before it', async () => {
    const p = poll(ns.client(), { name: 'wrongtype' });
    await admin.set(p.keys.tally, 'not a hash');
    const err = await failureOf(p.vote('ann', 'tea'));

    const line = lineOf(POLL_SCRIPTS.folder, 'vote-2.lua', "redis.call('HINCRBY'");
    expect(err).toBeInstanceOf(LuaScriptError);
    expect(isLuaBasicsError(err, 'script')).toBe(true);
    expect(err).toMatchObject({
      file: 'vote-2.lua',
      line,
      phase: 'run',
      redisCode: 'WRONGTYPE',
      detail: 'Operation against a key holding the wrong kind of value',
      sha: p.scripts.script('vote-2.lua').sha,
    });
    expect((err as Error).message).toBe(
      `vote-2.lua:${line}: WRONGTYPE Operation against a key holding the wrong kind of value`,
    );
    // No rollback: the ballot written on the line before the failing one is still there.
    expect(await admin.hget(p.keys.ballots, 'ann')).toBe('tea');
  });

  it('surfaces a Lua runtime error with its line', async () => {
    const scripts = luaScripts(ns.client(), { folder: TEST_LUA, files: ['broken-1.lua'] });
    const err = await failureOf(scripts.run('broken-1.lua', ['missing']));
    expect(err).toBeInstanceOf(LuaScriptError);
    expect(err).toMatchObject({
      file: 'broken-1.lua',
      line: lineOf(TEST_LUA, 'broken-1.lua', 'return config.limit'),
      redisCode: 'ERR',
      detail: "attempt to index local 'config' (a boolean value)",
    });
  });

  it("surfaces error({err = 'CODE ...'}) with the script's own code and its line", async () => {
    const scripts = luaScripts(ns.client(), { folder: TEST_LUA, files: ['raises-1.lua'] });
    await admin.set('stock', '2');
    expect(await scripts.run('raises-1.lua', ['stock'], [2])).toBe(0);
    const err = await failureOf(scripts.run('raises-1.lua', ['stock'], [1]));
    expect(err).toMatchObject({
      file: 'raises-1.lua',
      line: lineOf(TEST_LUA, 'raises-1.lua', "error({err = 'OUT_OF_STOCK"),
      redisCode: 'OUT_OF_STOCK',
      detail: 'only 0 left',
    });
    expect((err as Error).message).toBe(`raises-1.lua:${(err as LuaScriptError).line}: OUT_OF_STOCK only 0 left`);
  });

  it('reports a script that does not compile with its line, at preload and at its first call', async () => {
    const scripts = luaScripts(ns.client(), { folder: TEST_LUA, files: ['syntax-error-0.lua'] });
    const line = lineOf(TEST_LUA, 'syntax-error-0.lua', 'local answer =');
    for (const attempt of [scripts.preload(), scripts.run('syntax-error-0.lua', [])]) {
      const err = await failureOf(attempt);
      expect(err).toBeInstanceOf(LuaScriptError);
      expect(err).toMatchObject({ file: 'syntax-error-0.lua', phase: 'compile', redisCode: 'ERR' });
      // Lua reports an unfinished statement where the text ends: the line after it.
      expect((err as LuaScriptError).line).toBe(line + 1);
      expect((err as Error).message).toBe(
        `syntax-error-0.lua:${line + 1}: does not compile: ERR unexpected symbol near '<eof>'`,
      );
    }
  });
});

describe('keys declared in KEYS, in one cluster slot', () => {
  it('refuses keys in two slots before sending anything, as a cluster would (CROSSSLOT)', async () => {
    const scripts = luaScripts(ns.client(), POLL_SCRIPTS);
    const err = await failureOf(scripts.run('vote-2.lua', ['ballots', 'tally'], ['ann', 'tea']));
    expect(err).toBeInstanceOf(LuaBasicsArgumentError);
    expect((err as Error).message).toMatch(
      /^keys must hash to one cluster slot, or a cluster refuses the call \(CROSSSLOT\): give them a common \{hash tag\} \(got "ballots" in slot \d+, "tally" in slot \d+\)$/,
    );
    expect(await admin.exists('ballots', 'tally')).toBe(0);
    // With a common hash tag the same call goes through.
    expect(await scripts.run('vote-2.lua', ['{p}:ballots', '{p}:tally'], ['ann', 'tea'])).toEqual([1, 'tea', 1]);
  });

  it('runs a script that writes a key it did not declare on a single server, silently: the bug a cluster exposes', async () => {
    // On one server nothing checks the rule (test/cluster.test.ts shows a cluster node refusing this call).
    const scripts = luaScripts(ns.client(), { folder: TEST_LUA, files: ['leaky-1.lua'] });
    const undeclared = `${ns.prefix}undeclared`; // the script builds this name itself: no keyPrefix is applied
    expect(await scripts.run('leaky-1.lua', ['declared'], [undeclared])).toBe(1);
    expect(await admin.get('declared')).toBe('declared');
    expect(await admin.get('undeclared')).toBe('undeclared');
  });
});
