// The Lua scripts of this package, in src/lua/<name>-<number of keys>.lua, each opening with a comment
// stating its KEYS and ARGV. Run by EVALSHA; on NOSCRIPT (a restarted or flushed server) by EVAL, which
// also loads it again.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

export interface LuaScript {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
  readonly keys: number;
}

export function luaScript(file: string): LuaScript {
  const source = readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8');
  const keys = Number(/-(\d+)\.lua$/.exec(file)?.[1] ?? 'NaN');
  if (!Number.isInteger(keys)) throw new Error(`lua file ${file} must be named <name>-<number of keys>.lua`);
  return { name: file, source, keys, sha: createHash('sha1').update(source).digest('hex') };
}

export async function runScript(
  redis: Redis,
  script: LuaScript,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, script.keys, ...keys, ...args);
  } catch (e) {
    if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e;
    return redis.eval(script.source, script.keys, ...keys, ...args);
  }
}
