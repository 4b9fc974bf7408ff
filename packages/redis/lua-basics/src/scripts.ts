// A typed set of Lua files over @poc/redis-lua: run by EVALSHA (only the 40-character hash travels) with
// runScript's fallback to EVAL when the server answers NOSCRIPT (its cache emptied by a restart, a failover
// or SCRIPT FLUSH), a preload (SCRIPT LOAD) that finds a broken script at start-up instead of at its first
// call, and errors mapped: a script that fails inside Redis becomes a LuaScriptError naming its file and line.
// Keys are checked before anything is sent: as many as the file's name declares, all in one cluster slot.
import { loadLua, runScript, type LuaScript } from '@poc/redis-lua';
import type { Redis } from 'ioredis';
import {
  LuaBasicsArgumentError,
  LuaBasicsServiceError,
  LuaScriptError,
  check,
  parseScriptError,
  redisCall,
} from './errors.ts';
import { keySlot } from './slots.ts';

export type { LuaScript } from '@poc/redis-lua';
export type ScriptArg = string | number;

export interface LuaScriptsOptions<F extends string> {
  /** The folder of the .lua files, e.g. `new URL('./lua/', import.meta.url)`. */
  folder: URL;
  /** The files of the set, each named <name>-<number of keys>.lua and opening with a "#!lua" line. */
  files: readonly F[];
}

export interface LuaScripts<F extends string> {
  readonly files: readonly F[];
  /** A file as loaded: its source, SHA1 and number of keys. */
  script(file: F): LuaScript;
  /** SCRIPT LOAD of every file: a script that does not compile fails here, as a LuaScriptError. */
  preload(signal?: AbortSignal): Promise<void>;
  /** SCRIPT EXISTS of every file: which ones the server has in its cache now. */
  cached(signal?: AbortSignal): Promise<Record<F, boolean>>;
  /**
   * Runs `file` with its keys and arguments. A signal aborted before the call is sent stops it; once
   * sent, a script runs to its end (Redis cannot interrupt a script that has written).
   */
  run(file: F, keys: readonly string[], args?: readonly ScriptArg[], signal?: AbortSignal): Promise<unknown>;
}

/** How a call reaches the server: runScript here, EVAL or bare EVALSHA in the naive variants (src/naive.ts). */
export type Send = (
  redis: Redis,
  script: LuaScript,
  keys: readonly string[],
  args: readonly ScriptArg[],
) => Promise<unknown>;

/** The pattern: EVALSHA, and EVAL once when the server answers NOSCRIPT (which caches the script again). */
export function luaScripts<const F extends string>(redis: Redis, options: LuaScriptsOptions<F>): LuaScripts<F> {
  return createScripts(redis, options, runScript);
}

const LUA_FILE = /^[\w.-]+-\d+\.lua$/;

/** Checks the client and the options, loads the files, and builds the set around `send`. */
export function createScripts<const F extends string>(
  redis: Redis,
  options: LuaScriptsOptions<F>,
  send: Send,
): LuaScripts<F> {
  check.kind(hasMethods(redis, 'evalsha', 'eval', 'script'), 'redis', 'must be an ioredis client', redis);
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const { folder, files } = options;
  check.kind(
    folder instanceof URL && folder.protocol === 'file:' && folder.pathname.endsWith('/'),
    'options.folder',
    'must be a file: URL ending in "/", e.g. new URL(\'./lua/\', import.meta.url)',
    folder,
  );
  check.kind(Array.isArray(files) && files.length > 0, 'options.files', 'must be a non-empty array', files);
  const loaded = new Map<F, LuaScript>();
  options.files.forEach((file, i) => {
    const at = `options.files[${i}]`;
    check.that(typeof file === 'string' && LUA_FILE.test(file), at, 'must be named <name>-<number of keys>.lua', file);
    check.that(!loaded.has(file), at, 'must not repeat a file', file);
    let script: LuaScript;
    try {
      script = loadLua(new URL(file, folder));
    } catch (e) {
      throw new LuaBasicsArgumentError(
        `${at} must be a readable file in ${folder.pathname} (got "${file}": ${(e as Error).message})`,
      );
    }
    check.that(
      script.source.startsWith('#!lua'),
      at,
      'must open with a "#!lua" line, so that a cluster node refuses keys it did not declare',
      file,
    );
    loaded.set(file, script);
  });

  const scriptOf = (file: F): LuaScript => {
    check.oneOf('file', file, files);
    return loaded.get(file)!;
  };
  /** A server error that carries a script position becomes a LuaScriptError; any other passes on to redisCall. */
  const mapped = async <T>(script: LuaScript, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (e) {
      const failure = e instanceof Error ? parseScriptError(e.message) : undefined;
      throw failure ? new LuaScriptError(script.file, script.sha, failure, { cause: e }) : e;
    }
  };

  return {
    files,
    script: scriptOf,
    async preload(signal) {
      check.signal('signal', signal);
      for (const script of loaded.values()) {
        signal?.throwIfAborted();
        const sha = await redisCall(`loading ${script.file} (SCRIPT LOAD)`, () =>
          mapped(script, async () => String(await redis.script('LOAD', script.source))),
        );
        // The server hashes the text it received: a different answer means it is not the text we hashed.
        if (sha !== script.sha)
          throw new LuaBasicsServiceError(`loading ${script.file}: the server cached it as ${sha}, not ${script.sha}`);
      }
    },
    async cached(signal) {
      check.signal('signal', signal);
      signal?.throwIfAborted();
      const shas = [...loaded.values()].map((s) => s.sha);
      const found = (await redisCall('asking which scripts are cached (SCRIPT EXISTS)', () =>
        redis.script('EXISTS', ...shas),
      )) as number[];
      return Object.fromEntries(files.map((file, i) => [file, found[i] === 1])) as Record<F, boolean>;
    },
    async run(file, keys, args = [], signal) {
      const script = scriptOf(file);
      checkKeys(redis, script, keys);
      checkArgs(args);
      check.signal('signal', signal);
      signal?.throwIfAborted();
      return redisCall(`running ${script.file}`, () => mapped(script, () => send(redis, script, keys, args)));
    },
  };
}

function checkKeys(redis: Redis, script: LuaScript, keys: readonly string[]): void {
  check.kind(Array.isArray(keys), 'keys', 'must be an array of key names', keys);
  check.that(
    keys.length === script.numberOfKeys,
    'keys',
    `must hold exactly ${script.numberOfKeys} keys for ${script.file}, as its name declares`,
    keys.length,
  );
  keys.forEach((key, i) => check.name(`keys[${i}]`, key));
  // ioredis puts its keyPrefix in front of every KEYS entry: the server sees, and hashes, the prefixed names.
  const prefix = redis.options?.keyPrefix ?? '';
  const slots = keys.map((key) => keySlot(prefix + key));
  if (new Set(slots).size > 1)
    throw new LuaBasicsArgumentError(
      `keys must hash to one cluster slot, or a cluster refuses the call (CROSSSLOT): give them a common {hash tag} ` +
        `(got ${keys.map((k, i) => `"${k}" in slot ${slots[i]}`).join(', ')})`,
    );
}

function checkArgs(args: readonly ScriptArg[]): void {
  check.kind(Array.isArray(args), 'args', 'must be an array of strings and numbers', args);
  args.forEach((arg, i) =>
    check.that(
      typeof arg === 'string' || (typeof arg === 'number' && Number.isFinite(arg)),
      `args[${i}]`,
      'must be a string or a finite number',
      arg,
    ),
  );
}

/** A client is recognised by its methods, so a copy of ioredis in another package passes too. */
export const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
