// The script cache, on private servers (SCRIPT FLUSH, restarts, CONFIG RESETSTAT and INFO are server-wide:
// never on the shared server). What each call sends is read from the server's own counters.
import { describe, expect, it } from 'vitest';
import { LuaBasicsServiceError, POLL_SCRIPTS, isLuaBasicsError, luaScripts, poll } from '../src/index.ts';
import { evalEveryTime, evalshaOnly } from '../src/naive.ts';
import { bytesReceived, failureOf, scriptCalls, serverWithClient } from './helpers.ts';

const VOTE = 'vote-2.lua';

describe('the script cache (private server)', () => {
  it('preload puts the script in the cache (SCRIPT LOAD), and every call after it is one EVALSHA', async () => {
    const { client } = await serverWithClient();
    const scripts = luaScripts(client, POLL_SCRIPTS);
    expect(await scripts.cached()).toEqual({ [VOTE]: false });
    await scripts.preload();
    expect(await scripts.cached()).toEqual({ [VOTE]: true });
    expect(await client.script('EXISTS', scripts.script(VOTE).sha)).toEqual([1]);

    await client.config('RESETSTAT');
    const p = poll(client, { name: 'cached', scripts });
    for (let i = 0; i < 10; i++) await p.vote(`voter-${i}`, 'tea');
    expect(await scripts.cached()).toEqual({ [VOTE]: true });
    expect(await scriptCalls(client)).toEqual({ eval: { calls: 0, failed: 0 }, evalsha: { calls: 10, failed: 0 } });
    expect(await p.results()).toEqual({ tea: 10 });
  });

  it('after SCRIPT FLUSH, the next call gets NOSCRIPT, sends the text once (EVAL), and the script is cached again', async () => {
    const { client } = await serverWithClient();
    const scripts = luaScripts(client, POLL_SCRIPTS);
    const p = poll(client, { name: 'flushed', scripts });
    await scripts.preload();
    await p.vote('ann', 'tea');

    await client.script('FLUSH');
    expect(await scripts.cached()).toEqual({ [VOTE]: false });
    await client.config('RESETSTAT');
    expect(await p.vote('bob', 'tea')).toEqual({ accepted: true, option: 'tea', votes: 2 });
    expect(await p.vote('cid', 'tea')).toEqual({ accepted: true, option: 'tea', votes: 3 });

    // One EVALSHA answered NOSCRIPT, one EVAL re-cached the script, and the next call was an EVALSHA hit.
    expect(await scriptCalls(client)).toEqual({ eval: { calls: 1, failed: 0 }, evalsha: { calls: 2, failed: 1 } });
    expect(await scripts.cached()).toEqual({ [VOTE]: true });
  });

  it('after a restart (the cache lives in memory only), the fallback reloads it and the votes go on', async () => {
    const { server, client } = await serverWithClient([['appendonly', 'yes']]); // the data survives, the cache does not
    const scripts = luaScripts(client, POLL_SCRIPTS);
    const p = poll(client, { name: 'restarted', scripts });
    await scripts.preload();
    await p.vote('ann', 'tea');

    await server.restart();
    expect(await scripts.cached()).toEqual({ [VOTE]: false });
    expect(await p.vote('bob', 'tea')).toEqual({ accepted: true, option: 'tea', votes: 2 });
    expect(await scripts.cached()).toEqual({ [VOTE]: true });
    expect(await p.results()).toEqual({ tea: 2 });
  });

  it('break it: after SCRIPT FLUSH, 20 concurrent voters all fail with bare EVALSHA (NOSCRIPT) and none with the fallback', async () => {
    const { client } = await serverWithClient();
    const outcome = async (name: string, scripts: typeof pattern.scripts) => {
      const p = poll(client, { name, scripts });
      await scripts.preload();
      const before = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => p.vote(`early-${i}`, 'tea')));
      await client.script('FLUSH'); // a restart or a failover does the same to the cache
      const after = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => p.vote(`late-${i}`, 'tea')));
      const failed = after.filter((r) => r.status === 'rejected');
      return {
        failedBefore: before.filter((r) => r.status === 'rejected').length,
        failedAfter: failed.length,
        counted: (await p.results()).tea ?? 0,
        firstError: failed[0]?.status === 'rejected' ? (failed[0].reason as unknown) : undefined,
      };
    };
    const pattern = poll(client, { name: 'pattern' });
    const naive = await outcome('naive', evalshaOnly(client, POLL_SCRIPTS));
    const fallback = await outcome('pattern', pattern.scripts);

    expect(naive).toMatchObject({ failedBefore: 0, failedAfter: 20, counted: 20 });
    expect(naive.firstError).toBeInstanceOf(LuaBasicsServiceError);
    expect((naive.firstError as Error).message).toMatch(/^running vote-2\.lua failed: NOSCRIPT /);
    expect(fallback).toEqual({ failedBefore: 0, failedAfter: 0, counted: 40, firstError: undefined });
  });

  it('EVAL sends the whole text with every call; EVALSHA sends the 40-character hash', async () => {
    const { client } = await serverWithClient();
    const CALLS = 50;
    const source = luaScripts(client, POLL_SCRIPTS).script(VOTE).source;
    const sentPerCall = async (name: string, scripts: ReturnType<typeof luaScripts<typeof VOTE>>) => {
      const p = poll(client, { name, scripts });
      await scripts.preload();
      await p.vote('warm-up', 'tea');
      const before = await bytesReceived(client);
      for (let i = 0; i < CALLS; i++) await p.vote('same-voter', 'tea');
      return ((await bytesReceived(client)) - before) / CALLS;
    };
    const byText = await sentPerCall('eval', evalEveryTime(client, POLL_SCRIPTS));
    const byHash = await sentPerCall('evalsha', luaScripts(client, POLL_SCRIPTS));

    expect(byText).toBeGreaterThan(source.length); // the text, plus the keys and arguments
    expect(byHash).toBeLessThan(source.length / 4); // 40 characters of hash, the keys and arguments
  });

  it('a script that fails to load at preload is reported before any call, as a script error', async () => {
    const { client } = await serverWithClient();
    await client.config('RESETSTAT');
    const err = await failureOf(
      luaScripts(client, { folder: new URL('./lua/', import.meta.url), files: ['syntax-error-0.lua'] }).preload(),
    );
    expect(isLuaBasicsError(err, 'script')).toBe(true);
    expect(await scriptCalls(client)).toEqual({ eval: { calls: 0, failed: 0 }, evalsha: { calls: 0, failed: 0 } });
  });
});
