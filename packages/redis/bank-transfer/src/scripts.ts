// This package's Lua scripts (src/lua/<name>-<number of keys>.lua), run by EVALSHA with a NOSCRIPT
// fallback through @poc/redis-lua.
import { luaFolder } from '@poc/redis-lua';

export { runScript, type LuaScript } from '@poc/redis-lua';
export const luaScript = luaFolder(new URL('./lua/', import.meta.url));
/** The idempotency wrapper's source, with the marker line where an operation goes. */
export const wrapperUrl = new URL('./lua/idempotent.lua', import.meta.url);
