// The public API of poc-redis-lua-basics: a typed set of Lua files run by EVALSHA with a NOSCRIPT
// fallback, a preload, script errors with their file and line, and keys checked for one cluster slot;
// plus the poll the demo runs on it. Nothing connects at import. The naive variants (EVAL every time,
// EVALSHA without fallback) are behind the subpath 'poc-redis-lua-basics/naive'.
export { luaScripts, type LuaScripts, type LuaScriptsOptions, type LuaScript, type ScriptArg } from './scripts.ts';
export { poll, POLL_SCRIPTS, type Poll, type PollOptions, type PollScript, type Vote } from './poll.ts';
export { keySlot } from './slots.ts';
export {
  LuaBasicsError,
  LuaBasicsArgumentError,
  LuaBasicsServiceError,
  LuaScriptError,
  isLuaBasicsError,
  parseScriptError,
  type AnyLuaBasicsError,
  type LuaBasicsErrorCode,
  type ScriptFailure,
} from './errors.ts';
