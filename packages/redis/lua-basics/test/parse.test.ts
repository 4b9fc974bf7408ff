// parseScriptError, alone: the error texts Redis 7 sends (copied from redis-cli against redis 7.0), and
// texts that carry no script position, which must not be mistaken for a script's failure.
import { describe, expect, it } from 'vitest';
import { parseScriptError, type ScriptFailure } from '../src/index.ts';

const SHA = 'e4aaab9a81014e203494ede671ecad676444fb3b';

const cases: Array<[string, string, ScriptFailure | undefined]> = [
  [
    'a Lua runtime error',
    `ERR user_script:3: attempt to index local 'y' (a nil value) script: ${SHA}, on @user_script:3.`,
    { phase: 'run', redisCode: 'ERR', line: 3, detail: "attempt to index local 'y' (a nil value)" },
  ],
  [
    'a command refused inside the script',
    `WRONGTYPE Operation against a key holding the wrong kind of value script: ${SHA}, on @user_script:12.`,
    {
      phase: 'run',
      redisCode: 'WRONGTYPE',
      line: 12,
      detail: 'Operation against a key holding the wrong kind of value',
    },
  ],
  [
    'a wrong call of redis.call',
    `ERR Wrong number of args calling Redis command from script script: ${SHA}, on @user_script:2.`,
    { phase: 'run', redisCode: 'ERR', line: 2, detail: 'Wrong number of args calling Redis command from script' },
  ],
  [
    "error({err = 'CODE ...'})",
    `DOMAIN thing script: ${SHA}, on @user_script:2.`,
    { phase: 'run', redisCode: 'DOMAIN', line: 2, detail: 'thing' },
  ],
  [
    'error() with a string',
    `ERR user_script:2: plain script: ${SHA}, on @user_script:2.`,
    { phase: 'run', redisCode: 'ERR', line: 2, detail: 'plain' },
  ],
  [
    'a cluster node refusing an undeclared key',
    `ERR Script attempted to access keys that do not hash to the same slot script: ${SHA}, on @user_script:7.`,
    {
      phase: 'run',
      redisCode: 'ERR',
      line: 7,
      detail: 'Script attempted to access keys that do not hash to the same slot',
    },
  ],
  [
    'a syntax error',
    "ERR Error compiling script (new function): user_script:1: '=' expected near 'is'",
    { phase: 'compile', redisCode: 'ERR', line: 1, detail: "'=' expected near 'is'" },
  ],
  [
    'an unknown shebang flag',
    'ERR Unexpected flag in script shebang: bogus',
    { phase: 'compile', redisCode: 'ERR', line: 1, detail: 'Unexpected flag in script shebang: bogus' },
  ],
  ['NOSCRIPT', 'NOSCRIPT No matching script. Please use EVAL.', undefined],
  ['redis.error_reply() (no position)', 'INVALID no', undefined],
  ['a cross-slot call', "CROSSSLOT Keys in request don't hash to the same slot", undefined],
  [
    'a busy server',
    'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.',
    undefined,
  ],
  ['a connection error', 'Connection is closed.', undefined],
];

describe('parseScriptError', () => {
  it.each(cases)('reads %s', (_what, message, expected) => {
    expect(parseScriptError(message)).toEqual(expected);
  });
});
