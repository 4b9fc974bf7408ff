// Lua scripts live in src/lua/<name>-<number of keys>.lua and run by EVALSHA; a server that answers
// NOSCRIPT (restart, failover, SCRIPT FLUSH) gets the source once by EVAL, which caches it again.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

export interface LuaScript {
  readonly file: string;
  readonly keys: number;
  readonly source: string;
  readonly sha: string;
}

const loaded = new Map<string, LuaScript>();

/** Reads src/lua/<file> on first use (not at import); the key count comes from the file name. */
export function luaScript(file: string): LuaScript {
  let script = loaded.get(file);
  if (!script) {
    const keys = /-(\d+)\.lua$/.exec(file)?.[1];
    if (keys === undefined) throw new Error(`Lua file ${file} must be named <name>-<number of keys>.lua`);
    const source = readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8');
    script = { file, keys: Number(keys), source, sha: createHash('sha1').update(source).digest('hex') };
    loaded.set(file, script);
  }
  return script;
}

/** EVALSHA, falling back to EVAL on NOSCRIPT. Client errors are passed on; callers wrap them. */
export async function runScript(redis: Redis, file: string, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
  const script = luaScript(file);
  if (keys.length !== script.keys) throw new Error(`${file} takes ${script.keys} keys, got ${keys.length}`);
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (e) {
    if (!(e instanceof Error && e.message.startsWith('NOSCRIPT'))) throw e;
    return await redis.eval(script.source, keys.length, ...keys, ...args);
  }
}
