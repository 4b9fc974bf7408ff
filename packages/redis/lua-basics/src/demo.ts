// pnpm --filter poc-redis-lua-basics demo: the script cache, EVAL vs EVALSHA, NOSCRIPT after a flush and a
// restart, a script error with its file and line, and the keys rule. Server-wide steps (SCRIPT FLUSH,
// restarts, CONFIG RESETSTAT, INFO, cluster mode) run on private servers, never on the shared one.
import { eventually, privateRedis, redisClient, redisNamespace, serverFor } from '@poc/harness';
import { runMain } from '@poc/kit';
import type { Redis } from 'ioredis';
import { POLL_SCRIPTS, isLuaBasicsError, keySlot, luaScripts, parseScriptError, poll } from './index.ts';
import { evalEveryTime, evalshaOnly } from './naive.ts';

const say = (line = ''): void => console.log(line);
const errorText = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));
const VOTE = 'vote-2.lua';

/** EVAL and EVALSHA calls since CONFIG RESETSTAT, from INFO commandstats (private server only). */
async function scriptCalls(redis: Redis): Promise<string> {
  const info = await redis.info('commandstats');
  const of = (cmd: string): string => {
    const line = new RegExp(`^cmdstat_${cmd}:(.*)$`, 'm').exec(info)?.[1] ?? '';
    const calls = /calls=(\d+)/.exec(line)?.[1] ?? '0';
    const failed = /failed_calls=(\d+)/.exec(line)?.[1] ?? '0';
    return `${cmd} ${calls}${failed === '0' ? '' : ` (${failed} failed)`}`;
  };
  return `${of('evalsha')}, ${of('eval')}`;
}

const bytesIn = async (redis: Redis): Promise<number> =>
  Number(/^total_net_input_bytes:(\d+)/m.exec(await redis.info('stats'))?.[1]);

runMain(async () => {
  const shared = await serverFor('redis');
  const ns = await redisNamespace({ name: 'demo' }); // a key prefix of its own, removed at the end
  const cleanups: Array<() => unknown> = [() => ns.close()];
  const privateServer = async (config: Array<[string, string]> = []) => {
    const server = await privateRedis({ config });
    cleanups.push(() => server.close());
    const client = redisClient(server.url);
    client.on('error', () => {});
    cleanups.push(() => client.disconnect());
    return { server, client };
  };
  try {
    say(`Lua basics demo: redis ${shared.version} (${shared.provider})`);
    const own = await privateServer([['appendonly', 'yes']]);
    const scripts = luaScripts(own.client, POLL_SCRIPTS);
    const vote = scripts.script(VOTE);
    const votes = poll(own.client, { name: 'lunch', scripts });

    say();
    say('1. The script cache (a private server: SCRIPT FLUSH and restarts never touch the shared one)');
    say(`   ${VOTE}: ${vote.source.length} bytes, ${vote.numberOfKeys} keys, sha ${vote.sha}`);
    say(`   SCRIPT EXISTS before preload: ${(await scripts.cached())[VOTE]}`);
    await scripts.preload();
    say(`   preload (SCRIPT LOAD) -> SCRIPT EXISTS: ${(await scripts.cached())[VOTE]}`);
    const first = await votes.vote('ann', 'tea');
    say(`   ann votes tea -> accepted ${first.accepted}, tea has ${first.votes}`);
    const again = await votes.vote('ann', 'coffee');
    say(`   ann votes coffee -> accepted ${again.accepted}, the recorded vote stays ${again.option}`);

    say();
    say('2. What one call sends (INFO total_net_input_bytes over 100 votes)');
    for (const [what, set] of [
      ['EVAL (the text, every call)', evalEveryTime(own.client, POLL_SCRIPTS)],
      ['EVALSHA (a 40-char hash)   ', scripts],
    ] as const) {
      const p = poll(own.client, { name: 'bytes', scripts: set });
      const before = await bytesIn(own.client);
      for (let i = 0; i < 100; i++) await p.vote('same', 'tea');
      say(`   ${what}: ${Math.round(((await bytesIn(own.client)) - before) / 100)} bytes per call`);
    }

    say();
    say('3. NOSCRIPT: the cache emptied under a running application');
    await own.client.script('FLUSH');
    say(`   SCRIPT FLUSH -> cached: ${(await scripts.cached())[VOTE]}`);
    const bare = poll(own.client, { name: 'lunch', scripts: evalshaOnly(own.client, POLL_SCRIPTS) });
    say(`   bare EVALSHA (naive): ${errorText(await bare.vote('bob', 'tea').catch((e: unknown) => e))}`);
    await own.client.config('RESETSTAT');
    const bob = await votes.vote('bob', 'tea');
    say(`   EVALSHA + fallback:   bob votes tea -> accepted ${bob.accepted}, tea has ${bob.votes}`);
    say(`   calls: ${await scriptCalls(own.client)} -> cached again: ${(await scripts.cached())[VOTE]}`);
    await own.server.restart();
    say(`   restart -> cached: ${(await scripts.cached())[VOTE]}`);
    const cid = await votes.vote('cid', 'tea');
    say(
      `   cid votes tea -> accepted ${cid.accepted}, tea has ${cid.votes}; cached: ${(await scripts.cached())[VOTE]}`,
    );

    say();
    say('4. A script that fails inside Redis: its file and line (shared server, own key prefix)');
    const broken = poll(ns.client(), { name: 'broken' });
    await ns.client().set(broken.keys.tally, 'a string, not a hash');
    const failure = await broken.vote('ann', 'tea').catch((e: unknown) => e);
    say(`   ${errorText(failure)}`);
    if (isLuaBasicsError(failure, 'script'))
      say(`   line ${failure.line}: ${vote.source.split('\n')[failure.line - 1]!.trim()}`);
    say(
      `   written before that line, and kept (no rollback): ballot of ann = ${await ns.client().hget(broken.keys.ballots, 'ann')}`,
    );

    say();
    say('5. Every key in KEYS, all in one cluster slot');
    const crossSlot = await scripts.run(VOTE, ['ballots', 'tally'], ['ann', 'tea']).catch((e: unknown) => e);
    say(`   luaScripts refuses: ${errorText(crossSlot)}`);
    say(
      `   the poll's keys: ${votes.keys.ballots} -> slot ${keySlot(votes.keys.ballots)}, ${votes.keys.tally} -> slot ${keySlot(votes.keys.tally)}`,
    );
    const node = await privateServer([['cluster-enabled', 'yes']]);
    await node.client.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
    await eventually(async () => /cluster_state:ok/.test(String(await node.client.call('CLUSTER', 'INFO'))));
    const leaky = "redis.call('SET', KEYS[1], 'declared')\nredis.call('SET', ARGV[1], 'undeclared')\nreturn 1";
    const refused = await node.client.eval(`#!lua\n${leaky}`, 1, 'a', 'b').catch((e: unknown) => e as Error);
    const where = refused instanceof Error ? parseScriptError(refused.message) : undefined;
    say(
      `   a one-node cluster, a "#!lua" script writing undeclared key "b" (slot ${keySlot('b')}) after "a" (slot ${keySlot('a')}):`,
    );
    say(`     refused at line ${where?.line}: ${where?.detail}`);
    const compat = await node.client.eval(leaky, 1, 'c', 'd');
    say(
      `   the same script without "#!lua" (compatibility mode), "d" (slot ${keySlot('d')}) after "c" (slot ${keySlot('c')}):`,
    );
    say(`     returns ${compat}; "d" holds ${await node.client.get('d')}: written, unchecked`);
    say('done');
  } finally {
    for (const fn of cleanups.reverse()) await fn();
  }
});
