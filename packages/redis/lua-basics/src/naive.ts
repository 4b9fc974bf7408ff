// What people write first, with the same interface as luaScripts() (src/scripts.ts), so the tests and the
// bench compare like with like. Not exported from the main entry: import from 'poc-redis-lua-basics/naive'.
//
// - evalEveryTime: EVAL with the script's whole text on every call. Always works (EVAL caches the script
//   as a side effect), but every call carries the text over the network and the server hashes it again.
// - evalshaOnly: SCRIPT LOAD at start-up, then bare EVALSHA. Fast, until the server's script cache is
//   emptied (a restart, a failover, SCRIPT FLUSH): from then on every call fails with NOSCRIPT.
import type { Redis } from 'ioredis';
import { createScripts, type LuaScripts, type LuaScriptsOptions, type Send } from './scripts.ts';

const evalText: Send = (redis, script, keys, args) => redis.eval(script.source, keys.length, ...keys, ...args);
const evalshaNoFallback: Send = (redis, script, keys, args) => redis.evalsha(script.sha, keys.length, ...keys, ...args);

/** Sends the script's text with every call (EVAL). */
export function evalEveryTime<const F extends string>(redis: Redis, options: LuaScriptsOptions<F>): LuaScripts<F> {
  return createScripts(redis, options, evalText);
}

/** Calls by hash only (EVALSHA), trusting a preload to have put the script in the cache for good. */
export function evalshaOnly<const F extends string>(redis: Redis, options: LuaScriptsOptions<F>): LuaScripts<F> {
  return createScripts(redis, options, evalshaNoFallback);
}
