// This package's Lua scripts live in src/lua/<name>-<number of keys>.lua, each opening with a comment
// that states its KEYS and ARGV. The shared @poc/redis-lua runs them by EVALSHA with a NOSCRIPT fallback.
import { luaFolder, runScript as run } from '@poc/redis-lua';
import type { Redis } from 'ioredis';

const luaScript = luaFolder(new URL('./lua/', import.meta.url));

/** Runs src/lua/<file> with these keys and arguments. Client errors are passed on; callers wrap them. */
export const runScript = (
  redis: Redis,
  file: string,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
): Promise<unknown> => run(redis, luaScript(file), keys, args);
