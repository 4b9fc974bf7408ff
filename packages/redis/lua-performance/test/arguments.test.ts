// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LuaPerformanceArgumentError,
  isLuaPerformanceError,
  luaSteps,
  multiSteps,
  pipelineSteps,
} from '../src/index.ts';
import { roundTripSteps } from '../src/naive.ts';

let redis: Redis;
let redisNs: RedisNamespace;
beforeAll(async () => {
  redisNs = await redisNamespace({ name: 'lua_perf_args' });
  redis = redisNs.client();
});
afterAll(() => redisNs?.close());

const lua = () => luaSteps(redis);
const cases: Array<[string, () => unknown, string]> = [
  ['redis that is not a client', () => luaSteps({} as never), 'redis must be an ioredis client (got an object)'],
  ['redis as a URL', () => multiSteps('redis://x' as never), 'redis must be an ioredis client (got a string)'],
  [
    'options that are not an object',
    () => pipelineSteps(redis, 5 as never),
    'options must be an object (got a number)',
  ],
  [
    'a zero step limit',
    () => roundTripSteps(redis, { maxSteps: 0 }),
    'options.maxSteps must be a positive integer (got 0)',
  ],
  [
    'a fractional step limit',
    () => luaSteps(redis, { maxSteps: 2.5 }),
    'options.maxSteps must be a positive integer (got 2.5)',
  ],
  ['an empty key', () => lua().apply('', [1]), 'key must be a non-empty string (got "")'],
  ['a key that is not a string', () => lua().apply(7 as never, [1]), 'key must be a non-empty string (got 7)'],
  [
    'amounts that are not an array',
    () => lua().apply('k', 1 as never),
    'amounts must be an array of integers (got a number)',
  ],
  ['no amounts', () => lua().apply('k', []), 'amounts.length must be an integer from 1 to 10000 (got 0)'],
  [
    'more amounts than maxSteps',
    () => multiSteps(redis, { maxSteps: 3 }).apply('k', [1, 2, 3, 4]),
    'amounts.length must be an integer from 1 to 3 (got 4)',
  ],
  [
    'a fractional amount',
    () => pipelineSteps(redis).apply('k', [1, 1.5]),
    'amounts[1] must be a safe integer (got 1.5)',
  ],
  [
    'an amount beyond 2^53',
    () => roundTripSteps(redis).apply('k', [2 ** 53]),
    'amounts[0] must be a safe integer (got 9007199254740992)',
  ],
  ['an amount as a string', () => lua().apply('k', ['1' as never]), 'amounts[0] must be a safe integer (got "1")'],
  [
    'a signal that is not an AbortSignal',
    () => lua().apply('k', [1], 'stop' as never),
    'signal must be an AbortSignal (got a string)',
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
    expect(err).toBeInstanceOf(LuaPerformanceArgumentError);
    expect(isLuaPerformanceError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });

  it('stops before sending when the signal has already aborted, and writes nothing', async () => {
    const reason = new Error('caller gave up');
    for (const way of [luaSteps(redis), multiSteps(redis), pipelineSteps(redis), roundTripSteps(redis)])
      await expect(way.apply('aborted', [1], AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(await redis.exists('aborted', 'k')).toBe(0);
  });
});
