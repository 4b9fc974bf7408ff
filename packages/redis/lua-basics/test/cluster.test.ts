// The keys rule, shown by a server that checks it: a private Redis in cluster mode that owns every slot.
// A script runs on one node, and a cluster client routes the call by its KEYS; so every key a script
// touches must be declared in KEYS and all of them must live in one slot. Redis checks the declared keys
// before running (CROSSSLOT) and, for a script with a "#!lua" line, each key it touches while running.
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LuaScriptError, isLuaBasicsError, keySlot, luaScripts, poll } from '../src/index.ts';
import { TEST_LUA, clusterNode, failureOf, lineOf } from './helpers.ts';

let node: Redis;
const cleanups: Array<() => Promise<void> | void> = [];
beforeAll(async () => {
  node = (await clusterNode((fn) => cleanups.push(fn))).client; // one node for the file, closed in afterAll
});
afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn();
});

describe('keySlot', () => {
  const keys = [
    'a',
    'b',
    'poll:{42}:ballots',
    'poll:{42}:tally',
    '{user1000}.following',
    'foo{}{bar}', // an empty first tag: the whole key is hashed
    'foo{{bar}}zap', // the tag is "{bar"
    'foo{bar}{zap}', // only the first tag counts
    'no closing {brace',
    'ünïcödé:{ключ}',
    '',
  ];
  it.each(keys)('gives %j the slot CLUSTER KEYSLOT gives', async (key) => {
    expect(keySlot(key)).toBe(await node.call('CLUSTER', 'KEYSLOT', key));
  });
});

describe('a cluster node checks the keys rule', () => {
  it('refuses declared keys in two slots before running the script (CROSSSLOT), which luaScripts refuses up front', async () => {
    expect(keySlot('a')).not.toBe(keySlot('b'));
    await expect(node.eval("return redis.call('GET', KEYS[1])", 2, 'a', 'b')).rejects.toThrow(
      "CROSSSLOT Keys in request don't hash to the same slot",
    );
  });

  it('refuses a "#!lua" script at the line where it touches an undeclared key in another slot, keeping its earlier write', async () => {
    const scripts = luaScripts(node, { folder: TEST_LUA, files: ['leaky-1.lua'] });
    expect(keySlot('declared')).not.toBe(keySlot('undeclared'));
    const err = await failureOf(scripts.run('leaky-1.lua', ['declared'], ['undeclared']));

    expect(err).toBeInstanceOf(LuaScriptError);
    expect(isLuaBasicsError(err, 'script')).toBe(true);
    expect(err).toMatchObject({
      file: 'leaky-1.lua',
      line: lineOf(TEST_LUA, 'leaky-1.lua', "redis.call('SET', ARGV[1]"),
      redisCode: 'ERR',
      detail: 'Script attempted to access keys that do not hash to the same slot',
    });
    expect(await node.get('undeclared')).toBeNull();
    expect(await node.get('declared')).toBe('declared'); // no rollback of the line before
  });

  it('lets the same script through without its "#!lua" line (compatibility mode), which is why luaScripts requires it', async () => {
    const withShebang = readFileSync(new URL('leaky-1.lua', TEST_LUA), 'utf8');
    const compat = withShebang.slice(withShebang.indexOf('\n') + 1);
    expect(await node.eval(compat, 1, 'declared-2', 'undeclared-2')).toBe(1);
    expect(await node.get('undeclared-2')).toBe('undeclared'); // written in another slot, unchecked
  });

  it("runs the poll's script, whose two keys share the poll's hash tag", async () => {
    const p = poll(node, { name: 'cluster' });
    expect(keySlot(p.keys.ballots)).toBe(keySlot(p.keys.tally));
    expect(await p.vote('ann', 'tea')).toEqual({ accepted: true, option: 'tea', votes: 1 });
    expect(await node.hget(p.keys.ballots, 'ann')).toBe('tea');
  });
});
