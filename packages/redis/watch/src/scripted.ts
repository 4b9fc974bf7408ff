// The Lua version of the update the tests and the bench run, for comparison: one EVALSHA, no conflicts,
// no retries, no connection of its own. It fits when the decision can be written in Lua; WATCH fits when
// it must be made in the application (a call to another service, a library, a model).
import { luaFolder, runScript } from '@poc/redis-lua';
import type { Redis } from 'ioredis';
import { check, redisCall } from './errors.ts';
import { checkClient } from './watch.ts';

export const luaScript = luaFolder(new URL('./lua/', import.meta.url));

/** Adds `amount` to the integer in `key` (missing = 0) in one script run; resolves with the new value. */
export async function scriptedAdd(redis: Redis, key: string, amount: number): Promise<number> {
  checkClient(redis);
  check.name('key', key);
  check.that(Number.isSafeInteger(amount), 'amount', 'must be an integer', amount);
  const reply = await redisCall(`adding ${amount} to "${key}" in Lua`, () =>
    runScript(redis, luaScript('add-1.lua'), [key], [amount]),
  );
  return Number(reply);
}
