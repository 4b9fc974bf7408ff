// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Clock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LuaLeaderboardArgumentError,
  boardKeys,
  isLuaLeaderboardError,
  luaLeaderboard,
  type Leaderboard,
} from '../src/index.ts';
import { multiLeaderboard, roundTripLeaderboard } from '../src/naive.ts';

let redis: Redis;
let board: Leaderboard;
let ns: RedisNamespace;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'lua_leaderboard_args' });
  redis = ns.client();
  board = luaLeaderboard(redis, { name: 'arguments' });
});
afterAll(() => ns?.close());

const clockAt = (now: number): Clock => ({ now: () => now, sleep: async () => {}, schedule: () => () => {} });

const cases: Array<[string, () => unknown, string]> = [
  [
    'redis that is not a client',
    () => luaLeaderboard({} as never, { name: 'x' }),
    'redis must be an ioredis client (got an object)',
  ],
  ['missing options', () => luaLeaderboard(redis, undefined as never), 'options must be an object (got undefined)'],
  ['empty name', () => luaLeaderboard(redis, { name: '' }), 'options.name must be a non-empty string (got "")'],
  [
    'name that is not a string',
    () => luaLeaderboard(redis, { name: 42 as never }),
    'options.name must be a non-empty string (got 42)',
  ],
  [
    'zero topN',
    () => luaLeaderboard(redis, { name: 'x', topN: 0 }),
    'options.topN must be an integer from 1 to 100 (got 0)',
  ],
  [
    'topN above the largest cached top',
    () => luaLeaderboard(redis, { name: 'x', topN: 101 }),
    'options.topN must be an integer from 1 to 100 (got 101)',
  ],
  [
    'fractional topN',
    () => luaLeaderboard(redis, { name: 'x', topN: 2.5 }),
    'options.topN must be an integer from 1 to 100 (got 2.5)',
  ],
  [
    'topN as a string',
    () => luaLeaderboard(redis, { name: 'x', topN: '10' as never }),
    'options.topN must be an integer from 1 to 100 (got "10")',
  ],
  [
    'zero historyLength',
    () => luaLeaderboard(redis, { name: 'x', historyLength: 0 }),
    'options.historyLength must be an integer from 1 to 1000 (got 0)',
  ],
  [
    'historyLength above the largest',
    () => luaLeaderboard(redis, { name: 'x', historyLength: 1_001 }),
    'options.historyLength must be an integer from 1 to 1000 (got 1001)',
  ],
  [
    'clock that is not a Clock',
    () => luaLeaderboard(redis, { name: 'x', clock: {} as never }),
    'options.clock must be a Clock (got an object)',
  ],
  [
    'clock whose now() is not whole ms',
    () => luaLeaderboard(redis, { name: 'x', clock: clockAt(1.5) }).addScore('alice', 1),
    'options.clock.now() must return a non-negative integer of ms (got 1.5)',
  ],
  [
    'clock whose now() is negative',
    () => luaLeaderboard(redis, { name: 'x', clock: clockAt(-1) }).addScore('alice', 1),
    'options.clock.now() must return a non-negative integer of ms (got -1)',
  ],
  ['empty player', () => board.addScore('', 1), 'player must be a non-empty string (got "")'],
  ['player that is not a string', () => board.addScore(7 as never, 1), 'player must be a non-empty string (got 7)'],
  ['NaN delta', () => board.addScore('alice', NaN), 'delta must be a finite number (got NaN)'],
  ['infinite delta', () => board.addScore('alice', Infinity), 'delta must be a finite number (got Infinity)'],
  ['delta as a string', () => board.addScore('alice', '10' as never), 'delta must be a finite number (got "10")'],
  [
    'update options that are not an object',
    () => board.addScore('alice', 1, 'u1' as never),
    'options must be an object (got a string)',
  ],
  [
    'empty update id',
    () => board.addScore('alice', 1, { updateId: '' }),
    'options.updateId must be a non-empty string (got "")',
  ],
  [
    'update signal that is not an AbortSignal',
    () => board.addScore('alice', 1, { signal: 'stop' as never }),
    'options.signal must be an AbortSignal (got a string)',
  ],
  [
    'top() signal that is not an AbortSignal',
    () => board.top('stop' as never),
    'signal must be an AbortSignal (got a string)',
  ],
  ['empty player for history()', () => board.history(''), 'player must be a non-empty string (got "")'],
  [
    'snapshot players that are not an array',
    () => board.snapshot('alice' as never),
    'players must be an array of player names (got a string)',
  ],
  [
    'an empty name among snapshot players',
    () => board.snapshot(['alice', '']),
    'players[1] must be a non-empty string (got "")',
  ],
  [
    'zero topN, round-trip version',
    () => roundTripLeaderboard(redis, { name: 'x', topN: 0 }),
    'options.topN must be an integer from 1 to 100 (got 0)',
  ],
  [
    'empty name, MULTI version',
    () => multiLeaderboard(redis, { name: '' }),
    'options.name must be a non-empty string (got "")',
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
    expect(err).toBeInstanceOf(LuaLeaderboardArgumentError);
    expect(isLuaLeaderboardError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
    expect((err as Error).name).toBe('LuaLeaderboardArgumentError');
  });

  it('writes nothing to Redis when an argument is rejected', async () => {
    const keys = ['arguments', 'x'].flatMap((name) => {
      const k = boardKeys(name);
      return [k.scores, k.top, k.history('alice')];
    });
    expect(await redis.exists(...keys)).toBe(0);
  });
});
