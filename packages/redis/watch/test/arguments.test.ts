// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. `as never` stands for callers without TypeScript (or with `any`).
import { redisNamespace, type RedisNamespace } from '@poc/harness';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatchArgumentError, checkAndSet, isWatchError, scriptedAdd, type CheckAndSet } from '../src/index.ts';
import { naiveModify, sharedConnectionModify } from '../src/naive.ts';

let redis: Redis;
let cas: CheckAndSet;
let ns: RedisNamespace;
beforeAll(async () => {
  ns = await redisNamespace({ name: 'watch_args' }); // a key prefix of its own
  redis = ns.client();
  cas = checkAndSet(redis);
});
afterAll(async () => {
  await cas?.close();
  await ns?.close();
});

const keep = () => ({ writes: [], result: undefined });

const cases: Array<[string, () => unknown, string]> = [
  ['redis that is not a client', () => checkAndSet({} as never), 'redis must be an ioredis client (got an object)'],
  ['options that are not an object', () => checkAndSet(redis, 5 as never), 'options must be an object (got a number)'],
  [
    'zero connections',
    () => checkAndSet(redis, { connections: 0 }),
    'options.connections must be an integer from 1 to 1000 (got 0)',
  ],
  [
    'fractional connections',
    () => checkAndSet(redis, { connections: 2.5 }),
    'options.connections must be an integer from 1 to 1000 (got 2.5)',
  ],
  [
    'zero attempts',
    () => checkAndSet(redis, { maxAttempts: 0 }),
    'options.maxAttempts must be a positive integer (got 0)',
  ],
  [
    'a negative base delay',
    () => checkAndSet(redis, { baseDelayMs: -1 }),
    'options.baseDelayMs must be a non-negative integer (got -1)',
  ],
  [
    'a maximum delay below the base delay',
    () => checkAndSet(redis, { baseDelayMs: 50, maxDelayMs: 10 }),
    'options.maxDelayMs must be an integer >= options.baseDelayMs (50) (got 10)',
  ],
  [
    'a clock that is not a Clock',
    () => checkAndSet(redis, { clock: {} as never }),
    'options.clock must be a Clock (got an object)',
  ],
  [
    'a random source that is a number',
    () => checkAndSet(redis, { random: 0.5 as never }),
    'options.random must be a function (got a number)',
  ],
  [
    'an onConflict that is a string',
    () => checkAndSet(redis, { onConflict: 'log' as never }),
    'options.onConflict must be a function (got a string)',
  ],
  ['no keys', () => cas.update([], keep), 'keys must be a non-empty array of key names (got an array)'],
  [
    'keys as a string',
    () => cas.update('k' as never, keep),
    'keys must be a non-empty array of key names (got a string)',
  ],
  ['an empty key', () => cas.update(['a', ''], keep), 'keys[1] must be a non-empty string (got "")'],
  [
    'a plan that is not a function',
    () => cas.update(['k'], { writes: [] } as never),
    'plan must be a function (got an object)',
  ],
  [
    'a signal that is not an AbortSignal',
    () => cas.update(['k'], keep, { signal: 'stop' as never }),
    'signal must be an AbortSignal (got a string)',
  ],
  [
    'a plan that returns nothing',
    () => cas.update(['k'], (() => undefined) as never),
    'plan() must return { writes: Command[], result } (got undefined)',
  ],
  [
    'a plan whose write has no name',
    () => cas.update(['k'], () => ({ writes: [['' as never]], result: 1 })),
    'plan().writes[0][0] must be a non-empty string (got "")',
  ],
  [
    'a plan whose write has an object argument',
    () => cas.update(['k'], () => ({ writes: [['set', 'k', {} as never]], result: 1 })),
    'plan().writes[0][2] must be a string, a finite number or a Buffer (got an object)',
  ],
  ['modify with an empty key', () => cas.modify('', () => 'x'), 'key must be a non-empty string (got "")'],
  [
    'modify with a change that is not a function',
    () => cas.modify('k', 'x' as never),
    'change must be a function (got a string)',
  ],
  ['a change that returns a number', () => cas.modify('k', () => 5 as never), 'change() must return a string (got 5)'],
  ['scriptedAdd with a fractional amount', () => scriptedAdd(redis, 'k', 0.5), 'amount must be an integer (got 0.5)'],
  ['scriptedAdd with an empty key', () => scriptedAdd(redis, '', 1), 'key must be a non-empty string (got "")'],
  [
    'naiveModify without a client',
    () => naiveModify(null as never, 'k', () => 'x'),
    'redis must be an ioredis client (got null)',
  ],
  [
    'sharedConnectionModify with a change that is not a function',
    () => sharedConnectionModify(redis, 'k', null as never),
    'change must be a function (got null)',
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
    expect(err).toBeInstanceOf(WatchArgumentError);
    expect(isWatchError(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });

  it('writes nothing when a plan is rejected, and leaves its connection without a WATCH', async () => {
    await redis.set('k', 'before');
    await cas.update(['k'], () => ({ writes: [['set', 'k', {} as never]], result: 1 })).catch(() => undefined);
    expect(await redis.get('k')).toBe('before');
    await redis.set('k', 'changed'); // would abort the next EXEC on that connection if its WATCH were left on
    expect(await cas.modify('k', (v) => `${v}!`)).toEqual({ result: 'changed!', attempts: 1 });
  });
});
