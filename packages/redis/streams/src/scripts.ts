// Lua scripts live in src/lua/<name>-<number of keys>.lua. They run by EVALSHA (only the 40-byte hash
// travels per call) and fall back to EVAL once when the server answers NOSCRIPT (after a restart,
// a failover or SCRIPT FLUSH), which also loads the script into the server's cache again.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

export interface LuaScript {
  readonly file: string;
  readonly numberOfKeys: number;
  readonly source: string;
  readonly sha: string;
}

const cache = new Map<string, LuaScript>();

/** Reads src/lua/<file> once (at first use, not at import) and derives its key count from the name. */
export function luaScript(file: string): LuaScript {
  let script = cache.get(file);
  if (!script) {
    const keys = /-(\d+)\.lua$/.exec(file)?.[1];
    if (keys === undefined) throw new Error(`Lua file ${file} must be named <name>-<number of keys>.lua`);
    const source = readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8');
    script = { file, numberOfKeys: Number(keys), source, sha: createHash('sha1').update(source).digest('hex') };
    cache.set(file, script);
  }
  return script;
}

const isNoScript = (e: unknown): boolean => e instanceof Error && e.message.startsWith('NOSCRIPT');

/** EVALSHA with a NOSCRIPT fallback to EVAL. Errors are the client's; callers wrap them. */
export async function runScript(redis: Redis, script: LuaScript, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
  if (keys.length !== script.numberOfKeys) throw new Error(`${script.file} takes ${script.numberOfKeys} keys, got ${keys.length}`);
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (e) {
    if (!isNoScript(e)) throw e;
    return await redis.eval(script.source, keys.length, ...keys, ...args);
  }
}
