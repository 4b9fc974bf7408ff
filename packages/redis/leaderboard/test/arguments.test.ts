import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaderboardArgumentError, isLeaderboardError, leaderboard, type Leaderboard } from '../src/index.ts';
import { naiveLeaderboard } from '../src/naive.ts';

let ns: RedisNamespace;
let redis: Redis;
let board: Leaderboard;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'boardargs' });
  redis = ns.client();
  board = leaderboard(redis, 'args');
  await board.setScore('kept', 10);
});
afterAll(() => ns?.close());

// Casts stand for callers without TypeScript (or with `any`): the runtime checks are what this tests.
const cases: Array<[string, () => unknown, string]> = [
  ['not an ioredis client', () => leaderboard({} as Redis, 'x'), 'redis must be an ioredis client (got an object)'],
  [
    'a missing client',
    () => leaderboard(undefined as unknown as Redis, 'x'),
    'redis must be an ioredis client (got undefined)',
  ],
  ['an empty board name', () => leaderboard(redis, ''), 'name must be a non-empty string (got "")'],
  ['an empty player id for addScore', () => board.addScore('', 5), 'player must be a non-empty string (got "")'],
  [
    'a player id that is not a string',
    () => board.addScore(42 as unknown as string, 5),
    'player must be a non-empty string (got 42)',
  ],
  ['a NaN delta', () => board.addScore('kept', NaN), 'delta must be a finite number (got NaN)'],
  ['an infinite delta', () => board.addScore('kept', Infinity), 'delta must be a finite number (got Infinity)'],
  [
    'a delta given as a string',
    () => board.addScore('kept', '5' as unknown as number),
    'delta must be a finite number (got "5")',
  ],
  [
    'an infinite score for setScore',
    () => board.setScore('kept', -Infinity),
    'score must be a finite number (got -Infinity)',
  ],
  ['an empty player id for setScore', () => board.setScore('', 1), 'player must be a non-empty string (got "")'],
  [
    'entries that are not an array',
    () => board.setScores('kept' as unknown as []),
    'entries must be an array of [player, score] pairs (got "kept")',
  ],
  [
    'an entry that is not a pair',
    () => board.setScores([['a', 1], ['b'] as unknown as [string, number]]),
    'entries[1] must be a [player, score] pair (got an array)',
  ],
  [
    'an entry with an empty player id',
    () =>
      board.setScores([
        ['a', 1],
        ['', 2],
      ]),
    'entries[1][0] must be a non-empty string (got "")',
  ],
  [
    'an entry with a NaN score',
    () =>
      board.setScores([
        ['a', 1],
        ['b', 2],
        ['c', NaN],
      ]),
    'entries[2][1] must be a finite number (got NaN)',
  ],
  ['an empty player id for score', () => board.score(''), 'player must be a non-empty string (got "")'],
  ['an empty player id for rank', () => board.rank(''), 'player must be a non-empty string (got "")'],
  ['n = 0 for top', () => board.top(0), 'n must be an integer from 1 to 1000 (got 0)'],
  ['a negative n for top', () => board.top(-3), 'n must be an integer from 1 to 1000 (got -3)'],
  ['a fractional n for top', () => board.top(2.5), 'n must be an integer from 1 to 1000 (got 2.5)'],
  ['n above 1 000 for top', () => board.top(1_001), 'n must be an integer from 1 to 1000 (got 1001)'],
  ['an empty player id for around', () => board.around('', 2), 'player must be a non-empty string (got "")'],
  ['a negative k for around', () => board.around('kept', -1), 'k must be an integer from 0 to 500 (got -1)'],
  ['a fractional k for around', () => board.around('kept', 1.5), 'k must be an integer from 0 to 500 (got 1.5)'],
  ['k above 500 for around', () => board.around('kept', 501), 'k must be an integer from 0 to 500 (got 501)'],
  ['an empty player id for remove', () => board.remove(''), 'player must be a non-empty string (got "")'],
  [
    'an empty board name for the naive board',
    () => naiveLeaderboard(redis, ''),
    'name must be a non-empty string (got "")',
  ],
];

describe('bad arguments', () => {
  it.each(cases)(
    'rejects %s with LeaderboardArgumentError naming the argument and the rule',
    async (_what, call, message) => {
      const err = await Promise.resolve()
        .then(call)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(LeaderboardArgumentError);
      expect(isLeaderboardError(err)).toBe(true);
      expect(isLeaderboardError(err, 'argument')).toBe(true);
      expect(isLeaderboardError(err, 'service')).toBe(false);
      expect((err as Error).name).toBe('LeaderboardArgumentError');
      expect((err as Error).message).toBe(message);
    },
  );

  it('writes nothing to Redis when an argument is rejected, even for the valid entries of a batch', async () => {
    // keyPrefix does not apply to KEYS patterns, so the pattern names the suite's prefix itself.
    expect(await redis.keys(`${ns.prefix}*`)).toEqual([`${ns.prefix}leaderboard:args`]);
    expect(await redis.zrange('leaderboard:args', 0, -1, 'WITHSCORES')).toEqual(['kept', '10']);
  });
});
