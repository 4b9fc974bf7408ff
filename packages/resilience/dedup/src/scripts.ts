// The Lua scripts of src/lua/, each opening with a comment that states its KEYS and ARGV, run by EVALSHA
// with one EVAL fallback on NOSCRIPT (after a restart or SCRIPT FLUSH). This is the shape of @poc/redis-lua;
// it is written out here because this package does not depend on it (see the README, "Extend it").
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

export interface LuaScript {
  readonly file: string;
  readonly source: string;
  readonly sha: string;
}

const cache = new Map<string, LuaScript>();

export function luaScript(file: string): LuaScript {
  let script = cache.get(file);
  if (!script) {
    const source = readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8');
    script = { file, source, sha: createHash('sha1').update(source).digest('hex') };
    cache.set(file, script);
  }
  return script;
}

export async function runScript(
  redis: Redis,
  script: LuaScript,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (e) {
    if (!(e instanceof Error && e.message.startsWith('NOSCRIPT'))) throw e;
    return await redis.eval(script.source, keys.length, ...keys, ...args);
  }
}
