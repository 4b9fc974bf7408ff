// A poll: one vote per voter, recorded and counted in one script run (src/lua/vote-2.lua), so no other
// client ever sees a vote recorded but not yet counted, and a second vote by the same voter is refused
// atomically. The domain the demo, the tests and the bench run the script machinery on.
import type { Redis } from 'ioredis';
import { check, redisCall } from './errors.ts';
import { hasMethods, luaScripts, type LuaScripts } from './scripts.ts';

/** The poll's script set: pass it to luaScripts() or to a naive variant (src/naive.ts). */
export const POLL_SCRIPTS = { folder: new URL('./lua/', import.meta.url), files: ['vote-2.lua'] } as const;
export type PollScript = (typeof POLL_SCRIPTS.files)[number];

export interface PollOptions {
  /** Names the poll; it is the hash tag of both its keys, so they share one cluster slot. */
  name: string;
  /** How its script runs (default luaScripts(redis, POLL_SCRIPTS)). */
  scripts?: LuaScripts<PollScript>;
}

export interface Vote {
  /** True when the voter's recorded option is the one asked for: a first vote, or the same vote again. */
  accepted: boolean;
  /** The option recorded for this voter (the earlier one when a different vote was refused). */
  option: string;
  /** Votes for that option, counted in the same step. */
  votes: number;
}

export interface Poll {
  readonly name: string;
  readonly keys: { readonly ballots: string; readonly tally: string };
  readonly scripts: LuaScripts<PollScript>;
  vote(voter: string, option: string, signal?: AbortSignal): Promise<Vote>;
  /** Votes per option, as the server holds them. */
  results(signal?: AbortSignal): Promise<Record<string, number>>;
}

export function poll(redis: Redis, options: PollOptions): Poll {
  check.kind(hasMethods(redis, 'evalsha', 'hgetall'), 'redis', 'must be an ioredis client', redis);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  check.name('options.name', options.name);
  check.that(
    !/[{}]/.test(options.name),
    'options.name',
    'must not contain "{" or "}" (it is the hash tag)',
    options.name,
  );
  const scripts = options.scripts ?? luaScripts(redis, POLL_SCRIPTS);
  check.kind(hasMethods(scripts, 'run', 'preload', 'cached'), 'options.scripts', 'must be a LuaScripts set', scripts);
  const keys = { ballots: `poll:{${options.name}}:ballots`, tally: `poll:{${options.name}}:tally` };
  return {
    name: options.name,
    keys,
    scripts,
    async vote(voter, option, signal) {
      check.name('voter', voter);
      check.name('option', option);
      const [accepted, recorded, votes] = (await scripts.run(
        'vote-2.lua',
        [keys.ballots, keys.tally],
        [voter, option],
        signal,
      )) as [number, string, number];
      return { accepted: accepted === 1, option: recorded, votes };
    },
    async results(signal) {
      check.signal('signal', signal);
      signal?.throwIfAborted();
      const tally = await redisCall(`reading poll "${options.name}"`, () => redis.hgetall(keys.tally));
      return Object.fromEntries(Object.entries(tally).map(([option, n]) => [option, Number(n)]));
    },
  };
}
