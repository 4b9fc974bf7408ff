import { privateRedis, redisClient, redisNamespace, type RedisNamespace } from '@poc/harness/services';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { loadLua, luaFolder, runScript } from '../src/index.ts';

const luaScript = luaFolder(new URL('./lua/', import.meta.url));
let ns: RedisNamespace;
beforeAll(async () => {
  ns = await redisNamespace();
});
afterAll(() => ns?.close());

describe('runScript', () => {
  it('runs by EVALSHA once the script is cached, with keys under the client’s prefix', async () => {
    const redis = ns.client();
    const script = luaScript('set-if-absent-1.lua');
    expect(await runScript(redis, script, ['k'], ['first'])).toBe(1);
    expect(await runScript(redis, script, ['k'], ['second'])).toBe(0);
    expect(await redis.get('k')).toBe('first');
    expect(await redis.script('EXISTS', script.sha)).toEqual([1]);
  });

  it('falls back to EVAL after SCRIPT FLUSH and caches the script again', async () => {
    // SCRIPT FLUSH empties the whole server's cache: a server of this test's own, never the shared one.
    const server = await privateRedis();
    onTestFinished(() => server.close());
    const redis = redisClient(server.url);
    onTestFinished(() => void redis.disconnect());
    const script = luaScript('set-if-absent-1.lua');
    await runScript(redis, script, ['cached'], ['v']);
    expect(await redis.script('EXISTS', script.sha)).toEqual([1]);
    await redis.script('FLUSH');
    expect(await redis.script('EXISTS', script.sha)).toEqual([0]);
    expect(await runScript(redis, script, ['fresh'], ['v'])).toBe(1);
    expect(await redis.script('EXISTS', script.sha)).toEqual([1]);
  });

  it('refuses a call with the wrong number of keys before touching the server', async () => {
    await expect(runScript(ns.client(), luaScript('set-if-absent-1.lua'), ['a', 'b'], ['v'])).rejects.toThrow(
      'set-if-absent-1.lua takes 1 keys, got 2',
    );
  });

  it('passes the server’s own errors through', async () => {
    const redis = ns.client();
    await redis.set('not-a-hash', 'x');
    await expect(runScript(redis, luaScript('set-if-absent-1.lua'), ['not-a-hash'], [])).resolves.toBe(0);
    await expect(redis.eval("return redis.call('HGET', KEYS[1], 'f')", 1, 'not-a-hash')).rejects.toThrow(/WRONGTYPE/);
  });
});

describe('loadLua', () => {
  it('reads a file once and derives its key count from its name', () => {
    const a = loadLua(new URL('./lua/set-if-absent-1.lua', import.meta.url));
    expect(a.numberOfKeys).toBe(1);
    expect(a.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(loadLua(new URL('./lua/set-if-absent-1.lua', import.meta.url))).toBe(a);
  });

  it('rejects a file not named <name>-<number of keys>.lua', () => {
    expect(() => luaScript('badly-named.lua')).toThrow(
      'Lua file badly-named.lua must be named <name>-<number of keys>.lua',
    );
  });
});
