// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LuaBasicsArgumentError,
  POLL_SCRIPTS,
  isLuaBasicsError,
  luaScripts,
  poll,
  type LuaScripts,
  type PollScript,
} from '../src/index.ts';
import { evalEveryTime, evalshaOnly } from '../src/naive.ts';
import { TEST_LUA } from './helpers.ts';

let redis: Redis;
let scripts: LuaScripts<PollScript>;
let redisNs: RedisNamespace;
beforeAll(async () => {
  redisNs = await redisNamespace({ name: 'lua_basics_args' });
  redis = redisNs.client();
  scripts = luaScripts(redis, POLL_SCRIPTS);
});
afterAll(() => redisNs?.close());

const KEYS = ['{p}:ballots', '{p}:tally'];
const folder = POLL_SCRIPTS.folder;

const cases: Array<[string, () => unknown, string]> = [
  [
    'redis that is not a client',
    () => luaScripts({} as never, POLL_SCRIPTS),
    'redis must be an ioredis client (got an object)',
  ],
  ['missing options', () => luaScripts(redis, undefined as never), 'options must be an object (got undefined)'],
  [
    'folder as a string',
    () => luaScripts(redis, { folder: './lua/' as never, files: ['vote-2.lua'] }),
    'options.folder must be a file: URL ending in "/", e.g. new URL(\'./lua/\', import.meta.url) (got a string)',
  ],
  [
    'folder URL without its final slash',
    () => luaScripts(redis, { folder: new URL('./lua', folder), files: ['vote-2.lua'] }),
    'options.folder must be a file: URL ending in "/", e.g. new URL(\'./lua/\', import.meta.url) (got a URL)',
  ],
  [
    'no files',
    () => luaScripts(redis, { folder, files: [] }),
    'options.files must be a non-empty array (got an array)',
  ],
  [
    'a file named without its key count',
    () => luaScripts(redis, { folder: TEST_LUA, files: ['broken.lua'] }),
    'options.files[0] must be named <name>-<number of keys>.lua (got "broken.lua")',
  ],
  [
    'a file twice',
    () => luaScripts(redis, { folder, files: ['vote-2.lua', 'vote-2.lua'] }),
    'options.files[1] must not repeat a file (got "vote-2.lua")',
  ],
  [
    'a file that is not there',
    () => luaScripts(redis, { folder, files: ['missing-1.lua'] }),
    `options.files[0] must be a readable file in ${folder.pathname} (got "missing-1.lua": ENOENT: no such file or directory, open '${folder.pathname}missing-1.lua')`,
  ],
  [
    'a file without a "#!lua" line',
    () => luaScripts(redis, { folder: TEST_LUA, files: ['legacy-1.lua'] }),
    'options.files[0] must open with a "#!lua" line, so that a cluster node refuses keys it did not declare (got "legacy-1.lua")',
  ],
  [
    'a file that is not in the set',
    () => scripts.run('other-1.lua' as never, ['k']),
    'file must be one of "vote-2.lua" (got "other-1.lua")',
  ],
  [
    'keys that are not an array',
    () => scripts.run('vote-2.lua', 'k' as never),
    'keys must be an array of key names (got a string)',
  ],
  [
    'fewer keys than the file declares',
    () => scripts.run('vote-2.lua', ['{p}:ballots'], ['ann', 'tea']),
    'keys must hold exactly 2 keys for vote-2.lua, as its name declares (got 1)',
  ],
  [
    'an empty key',
    () => scripts.run('vote-2.lua', ['{p}:ballots', ''], ['ann', 'tea']),
    'keys[1] must be a non-empty string (got "")',
  ],
  [
    'args that are not an array',
    () => scripts.run('vote-2.lua', KEYS, 'ann' as never),
    'args must be an array of strings and numbers (got a string)',
  ],
  [
    'an argument that is NaN',
    () => scripts.run('vote-2.lua', KEYS, ['ann', Number.NaN]),
    'args[1] must be a string or a finite number (got NaN)',
  ],
  [
    'an argument that is an object',
    () => scripts.run('vote-2.lua', KEYS, ['ann', {} as never]),
    'args[1] must be a string or a finite number (got an object)',
  ],
  [
    'a signal that is not an AbortSignal',
    () => scripts.run('vote-2.lua', KEYS, ['ann', 'tea'], 'stop' as never),
    'signal must be an AbortSignal (got a string)',
  ],
  [
    'a signal that is not an AbortSignal, for preload',
    () => scripts.preload('stop' as never),
    'signal must be an AbortSignal (got a string)',
  ],
  [
    'a signal that is not an AbortSignal, for cached',
    () => scripts.cached(42 as never),
    'signal must be an AbortSignal (got a number)',
  ],
  ['a poll without a name', () => poll(redis, { name: '' }), 'options.name must be a non-empty string (got "")'],
  [
    'a poll name with a brace',
    () => poll(redis, { name: 'a{b}' }),
    'options.name must not contain "{" or "}" (it is the hash tag) (got "a{b}")',
  ],
  [
    'poll scripts that are not a script set',
    () => poll(redis, { name: 'x', scripts: {} as never }),
    'options.scripts must be a LuaScripts set (got an object)',
  ],
  [
    'a poll on something that is not a client',
    () => poll('redis://' as never, { name: 'x' }),
    'redis must be an ioredis client (got a string)',
  ],
  ['an empty voter', () => poll(redis, { name: 'x' }).vote('', 'tea'), 'voter must be a non-empty string (got "")'],
  [
    'an option that is not a string',
    () => poll(redis, { name: 'x' }).vote('ann', 7 as never),
    'option must be a non-empty string (got 7)',
  ],
  [
    'a results signal that is not an AbortSignal',
    () => poll(redis, { name: 'x' }).results({} as never),
    'signal must be an AbortSignal (got an object)',
  ],
  [
    'no files, EVAL every time',
    () => evalEveryTime(redis, { folder, files: [] }),
    'options.files must be a non-empty array (got an array)',
  ],
  [
    'fewer keys, EVALSHA only',
    () => evalshaOnly(redis, POLL_SCRIPTS).run('vote-2.lua', ['{p}:ballots']),
    'keys must hold exactly 2 keys for vote-2.lua, as its name declares (got 1)',
  ],
];

describe('bad arguments', () => {
  it.each(cases)('rejects %s with an error naming the argument and the rule', async (_what, call, message) => {
    const err = await Promise.resolve()
      .then(call)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(LuaBasicsArgumentError);
    expect(isLuaBasicsError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });

  it('stops before sending when the signal has already aborted, and writes nothing', async () => {
    const p = poll(redis, { name: 'aborted' });
    const reason = new Error('caller gave up');
    await expect(p.vote('ann', 'tea', AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(await redis.exists(p.keys.ballots, p.keys.tally)).toBe(0);
  });

  it('writes nothing to Redis when an argument is rejected', async () => {
    // keyPrefix does not apply to SCAN patterns, so the pattern names the suite's prefix itself.
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisNs.prefix}*`, 'COUNT', 1000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    expect(found).toEqual([]);
  });
});
