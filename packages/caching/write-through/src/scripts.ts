// This package's Lua scripts live in src/lua/<name>-<number of keys>.lua, each opening with a comment
// that states its KEYS and ARGV. The shared @poc/redis-lua runs them by EVALSHA with a NOSCRIPT fallback.
import { luaFolder } from '@poc/redis-lua';

export { runScript, type LuaScript } from '@poc/redis-lua';
export const luaScript = luaFolder(new URL('./lua/', import.meta.url));
