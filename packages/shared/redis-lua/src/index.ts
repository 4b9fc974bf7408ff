// A POC's Lua scripts live in src/lua/<name>-<number of keys>.lua, each opening with a comment that
// states its KEYS and ARGV. They run by EVALSHA (only the 40-byte hash travels per call) and fall back
// to EVAL once when the server answers NOSCRIPT (after a restart, a failover or SCRIPT FLUSH), which
// also puts the script back in the server's cache. Shared plumbing: the scripts are each POC's own.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';

export interface LuaScript {
  /** File name, e.g. "acquire-2.lua". */
  readonly file: string;
  readonly numberOfKeys: number;
  readonly source: string;
  readonly sha: string;
}

const loaded = new Map<string, LuaScript>();

/** Reads a .lua file once (at first use, not at import); its key count comes from its name. */
export function loadLua(url: URL): LuaScript {
  let script = loaded.get(url.href);
  if (!script) {
    const file = fileURLToPath(url).split('/').pop()!;
    const keys = /-(\d+)\.lua$/.exec(file)?.[1];
    if (keys === undefined) throw new Error(`Lua file ${file} must be named <name>-<number of keys>.lua`);
    const source = readFileSync(url, 'utf8');
    script = { file, numberOfKeys: Number(keys), source, sha: createHash('sha1').update(source).digest('hex') };
    loaded.set(url.href, script);
  }
  return script;
}

/**
 * The loader for one package's lua/ folder: `export const luaScript = luaFolder(new URL('./lua/', import.meta.url));`
 * then `luaScript('acquire-2.lua')`.
 */
export const luaFolder =
  (folder: URL): ((file: string) => LuaScript) =>
  (file) =>
    loadLua(new URL(file, folder));

const isNoScript = (e: unknown): boolean => e instanceof Error && e.message.startsWith('NOSCRIPT');

/** EVALSHA with a NOSCRIPT fallback to EVAL. Errors are the client's; callers wrap them in their own. */
export async function runScript(
  redis: Redis,
  script: LuaScript,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
): Promise<unknown> {
  if (keys.length !== script.numberOfKeys)
    throw new Error(`${script.file} takes ${script.numberOfKeys} keys, got ${keys.length}`);
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (e) {
    if (!isNoScript(e)) throw e;
    return await redis.eval(script.source, keys.length, ...keys, ...args);
  }
}
